import { MetricNames, counter, createRegistry, gauge, histogram } from '../core/index.js';

export function createGatewayMetrics(service: string) {
  const registry = createRegistry(service);
  return {
    registry,
    connections: gauge(registry, MetricNames.wsConnections, 'open WebSocket connections'),
    sent: counter(registry, MetricNames.messagesSent, 'send frames accepted (new messages, not re-sends)'),
    delivered: counter(registry, MetricNames.messagesDelivered, 'message frames pushed to sockets'),
    publishes: counter(registry, MetricNames.redisPublishes, 'Redis PUBLISH commands issued', ['channel']),
    produced: counter(registry, MetricNames.kafkaProduced, 'messages acknowledged by Kafka'),
    produceRequests: counter(registry, MetricNames.kafkaProduceRequests, 'produce requests acknowledged by Kafka'),
    latency: histogram(registry, MetricNames.deliveryLatency, 'sentAt at the sending gateway to push at the recipient gateway'),
    errors: counter(registry, 'chatlab_gateway_errors_total', 'error frames sent, by code', ['code']),
    closes: counter(registry, 'chatlab_gateway_closes_total', 'sockets closed by the gateway, by reason', ['reason']),
    rejectedUpgrades: counter(registry, 'chatlab_gateway_rejected_upgrades_total', 'WebSocket upgrades refused, by status', ['status']),
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;

import { LATENCY_BUCKETS, MetricNames, counter, createRegistry, gauge, type Registry } from '../core/index.js';

/**
 * Deliveries counted on the hot path as plain numbers, handed to prom-client at scrape time:
 * prom-client's inc/observe (label hashing, validation, a closure per call) cost more than the
 * frame they count. `chatlab_messages_delivered_total` and `chatlab_delivery_latency_seconds`
 * read exactly what per-frame inc/observe gave.
 */
export class DeliveryTally {
  private delivered = 0;
  /** Deliveries per latency bucket (LATENCY_BUCKETS, then +Inf), not cumulative. */
  private readonly buckets = new Float64Array(LATENCY_BUCKETS.length + 1);
  private sum = 0;
  private count = 0;

  constructor(registry: Registry) {
    const take = () => {
      const n = this.delivered;
      this.delivered = 0;
      return n;
    };
    counter(registry, MetricNames.messagesDelivered, 'message frames pushed to sockets', [], (c) => {
      const n = take();
      if (n > 0) c.inc(n);
    });
    registry.registerMetric(this.latencyMetric() as never);
  }

  /** `n` frames pushed now; `latencySec` (send → push) for chat messages, undefined for others. */
  record(n: number, latencySec: number | undefined): void {
    this.delivered += n;
    if (latencySec === undefined) return;
    let b = 0;
    while (b < LATENCY_BUCKETS.length && latencySec > LATENCY_BUCKETS[b]!) b++;
    this.buckets[b]! += n;
    this.sum += latencySec * n;
    this.count += n;
  }

  /** A histogram in prom-client's metric shape (what its Histogram.get() returns). */
  private latencyMetric() {
    const name = MetricNames.deliveryLatency;
    return {
      name,
      help: 'sentAt at the sending gateway to push at the recipient gateway',
      type: 'histogram',
      aggregator: 'sum',
      get: async () => {
        let acc = 0;
        const values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> = LATENCY_BUCKETS.map((le, i) => {
          acc += this.buckets[i]!;
          return { labels: { le }, value: acc, metricName: `${name}_bucket` };
        });
        values.push(
          { labels: { le: '+Inf' }, value: this.count, metricName: `${name}_bucket` },
          { labels: {}, value: this.sum, metricName: `${name}_sum` },
          { labels: {}, value: this.count, metricName: `${name}_count` },
        );
        return { name, help: 'sentAt at the sending gateway to push at the recipient gateway', type: 'histogram', values, aggregator: 'sum' };
      },
      reset: () => {
        this.buckets.fill(0);
        this.sum = 0;
        this.count = 0;
      },
    };
  }
}

export function createGatewayMetrics(service: string) {
  const registry = createRegistry(service);
  return {
    registry,
    connections: gauge(registry, MetricNames.wsConnections, 'open WebSocket connections'),
    sent: counter(registry, MetricNames.messagesSent, 'send frames accepted (new messages, not re-sends)'),
    deleted: counter(registry, 'chatlab_messages_deleted_total', 'messages deleted by their sender (DELETE answered 200)'),
    /** message frames pushed to sockets, and their latency (counted in batches, see DeliveryTally) */
    deliveries: new DeliveryTally(registry),
    publishes: counter(registry, MetricNames.redisPublishes, 'Redis PUBLISH commands issued', ['channel']),
    /** Channels this gateway SUBSCRIBEd to or UNSUBSCRIBEd from (a member change can move group channels). */
    subscriptionChanges: counter(registry, 'chatlab_redis_subscription_changes_total', 'channels subscribed or unsubscribed by this gateway', ['op', 'channel']),
    produced: counter(registry, MetricNames.kafkaProduced, 'messages acknowledged by Kafka'),
    produceRequests: counter(registry, MetricNames.kafkaProduceRequests, 'produce requests acknowledged by Kafka'),
    errors: counter(registry, 'chatlab_gateway_errors_total', 'error frames sent, by code', ['code']),
    closes: counter(registry, 'chatlab_gateway_closes_total', 'sockets closed by the gateway, by reason', ['reason']),
    rejectedUpgrades: counter(registry, 'chatlab_gateway_rejected_upgrades_total', 'WebSocket upgrades refused, by status', ['status']),
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;

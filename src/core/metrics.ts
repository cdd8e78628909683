import client from 'prom-client';

/**
 * The metric names of docs/protocol.md, in one place. Each process creates only the metrics it
 * counts (a count lives in the one process that does the thing), in its own registry.
 */
export const MetricNames = {
  wsConnections: 'chatlab_ws_connections',
  messagesSent: 'chatlab_messages_sent_total',
  messagesDelivered: 'chatlab_messages_delivered_total',
  redisPublishes: 'chatlab_redis_publishes_total',
  /** Members joined or left (one per user), counted by the gateway that made the change. */
  memberChanges: 'chatlab_member_changes_total',
  kafkaProduced: 'chatlab_kafka_produced_total',
  /** History pages a gateway reads from Cassandra: `{state="active"|"waiting"|"peak"}`, and `_total`. */
  storageReads: 'chatlab_gateway_storage_reads',
  persisted: 'chatlab_persisted_total',
  presenceEvents: 'chatlab_presence_events_total',
  presenceRedisWrites: 'chatlab_presence_redis_writes_total',
  presenceNotifications: 'chatlab_presence_notifications_total',
  receiptUpdates: 'chatlab_receipt_updates_total',
  receiptDbWrites: 'chatlab_receipt_db_writes_total',
  deliveryLatency: 'chatlab_delivery_latency_seconds',
  /** Status change announceable → presence frames published to the online friends. */
  presenceFanout: 'chatlab_presence_fanout_seconds',
  /** Produce requests the gateway's Kafka producer made (each carries one or more messages). */
  kafkaProduceRequests: 'chatlab_kafka_produce_requests_total',
  // persist worker extensions (docs/protocol.md "Metrics (beyond the contract's names)")
  persistRejected: 'chatlab_persist_rejected_total',
  persistWriteFailures: 'chatlab_persist_write_failures_total',
  /** Records of the messages topic not yet committed by the persist group. */
  persistLag: 'chatlab_persist_lag',
  /** Send (the gateway's sentAt) → written in Cassandra. */
  persistLatency: 'chatlab_persist_latency_seconds',
  /** Write requests (batches) the persist worker sent to Cassandra. */
  persistDbRequests: 'chatlab_persist_db_requests_total',
  // indexer (docs/protocol.md "Metrics (beyond the contract's names)")
  indexed: 'chatlab_indexed_total',
  indexerRejected: 'chatlab_indexer_rejected_total',
  indexerWriteFailures: 'chatlab_indexer_write_failures_total',
  /** Records of the messages topic not yet committed by the indexer group. */
  indexerLag: 'chatlab_indexer_lag',
  /** Send (the gateway's sentAt) → searchable (the bulk request with refresh answered). */
  indexerLatency: 'chatlab_indexer_latency_seconds',
  /** Bulk requests the indexer sent to the search engine. */
  indexerBulkRequests: 'chatlab_indexer_bulk_requests_total',
} as const;

/** Buckets for latencies from 0.1 ms to 10 s. */
export const LATENCY_BUCKETS = [0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10];

export function createRegistry(service: string): client.Registry {
  const registry = new client.Registry();
  registry.setDefaultLabels({ service });
  // The event-loop delay monitor wakes the process at its precision: at prom-client's default
  // 10 ms it alone cost an idle service ~1.3% of a core here, at 100 ms ~0.5% (bench/cold-path.ts).
  client.collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
  return registry;
}

/** `collect` runs at scrape time, e.g. to add what a hot path counted in a plain number. */
export function counter(registry: client.Registry, name: string, help: string, labelNames: string[] = [], collect?: (c: client.Counter) => void): client.Counter {
  return new client.Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    ...(collect ? { collect(this: client.Counter) { collect(this); } } : {}),
  });
}

/** `collect` runs at scrape time, for values read from elsewhere (e.g. a generator's stats). */
export function gauge(registry: client.Registry, name: string, help: string, labelNames: string[] = [], collect?: (g: client.Gauge) => void): client.Gauge {
  return new client.Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    ...(collect ? { collect(this: client.Gauge) { collect(this); } } : {}),
  });
}

export function histogram(registry: client.Registry, name: string, help: string, buckets = LATENCY_BUCKETS): client.Histogram {
  return new client.Histogram({ name, help, buckets, registers: [registry] });
}

export type Registry = client.Registry;
export type Counter = client.Counter;
export type Gauge = client.Gauge;
export type Histogram = client.Histogram;

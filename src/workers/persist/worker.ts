/**
 * The persist worker: Kafka `chat.messages` → Cassandra `messages`, one consumer group of the
 * messages topic (./message-consumer.ts: at least once, offsets held while Cassandra is down).
 * The write is idempotent (a message's primary key is fully determined by it), so a crash or a
 * Cassandra outage can redeliver but never lose or duplicate.
 */
import { MetricNames, counter, errorMessage, gauge, histogram } from '../../core/index.js';
import type { ServiceConfig } from '../../core/index.js';
import { MessageStore, consistencyLevelSchema, createCassandraClient, type CassandraClient } from '../../store/index.js';
import { consumerWorker, pacingFrom, startFailure, startMessageConsumer, workerSetup, type ConsumerStats, type ConsumerWorkerDeps, type StartedConsumerWorker } from '../message-consumer.js';

export { persistBackoffMs } from '../message-consumer.js';

export const PERSIST_GROUP_ID = 'chatlab-persist';

/**
 * The cold path's pacing (measured with bench/cold-path.ts; figures in bench/README.md). A fetch
 * is answered once 64 KiB are there or after 500 ms: the broker's cost is per request, and with
 * `fetchMinBytes` 1 every produce request would wake both consumer groups. The fetch already gathers, so the coalescing window only
 * has to join the partitions of one fetch (20 ms). The price is send → stored latency: about
 * 500 ms at low rates, and at 1,000 msg/s the time 64 KiB take to arrive (~150 ms).
 */
export const PERSIST_DEFAULTS = { fetchMinBytes: 65536, fetchMaxWaitMs: 500, commitIntervalMs: 1000, coalesceMs: 20 };

/** Send → stored: up to the fetch wait (500 ms) at low rates, seconds while Cassandra is down. */
const PERSIST_LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10, 30];

export type PersistWorkerStats = Omit<ConsumerStats, 'written'> & {
  /** Message rows written (a redelivered message counts again: it was written again). */
  persisted: number;
};

export type PersistWorkerDeps = ConsumerWorkerDeps;
/** healthy(): joined the group, Cassandra connected, and the consumer has not crashed for good. */
export type StartedPersistWorker = StartedConsumerWorker<PersistWorkerStats>;

export async function startPersistWorker(config: ServiceConfig, deps: PersistWorkerDeps = {}): Promise<StartedPersistWorker> {
  const { log, registry, groupId } = workerSetup(config, deps, PERSIST_GROUP_ID);
  const metrics = {
    written: counter(registry, MetricNames.persisted, 'Message rows written to Cassandra'),
    rejected: counter(registry, MetricNames.persistRejected, 'Kafka records skipped as malformed'),
    writeFailures: counter(registry, MetricNames.persistWriteFailures, 'Failed Cassandra write attempts (retried)'),
    lag: gauge(registry, MetricNames.persistLag, 'Records of the messages topic not yet committed by the persist group'),
    latency: histogram(registry, MetricNames.persistLatency, 'Send (gateway sentAt) to written in Cassandra, seconds', PERSIST_LATENCY_BUCKETS),
  };
  const dbRequests = counter(registry, MetricNames.persistDbRequests, 'Write requests (batches) sent to Cassandra');

  // every message write at the run's level (store/consistency.ts); unset, LOCAL_ONE
  const writeConsistency = config.options['writeConsistency'] === undefined ? undefined : consistencyLevelSchema.parse(config.options['writeConsistency']);
  const client: CassandraClient = createCassandraClient(config.cassandra, writeConsistency);
  const store = new MessageStore(client, config.keyspace, { mixPartitions: config.options['mixPartitions'] !== false });
  const shutdownClient = () => client.shutdown().catch((err: unknown) => log(`stop: ${errorMessage(err)}`));
  let consumer;
  try {
    await client.connect();
    consumer = await startMessageConsumer({
      config,
      groupId,
      what: 'Cassandra write',
      pacing: pacingFrom(config.options, PERSIST_DEFAULTS),
      write: async (messages) => void dbRequests.inc(await store.insertMany(messages)),
      keyOf: (m) => `${m.conversationId}\u0000${m.messageId}`,
      metrics,
      ...deps,
      log,
    });
  } catch (err) {
    await shutdownClient();
    throw startFailure('persist worker', err);
  }
  return consumerWorker(consumer, { registry, groupId, writtenAs: 'persisted', close: shutdownClient });
}

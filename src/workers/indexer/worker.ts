/**
 * The indexer: Kafka `chat.messages` → the search engine's `messages` index, a second consumer
 * group next to the persist worker. At-least-once like it: offsets are resolved and committed
 * only after the bulk write is searchable, and every document is written under `_id` = message
 * id, so a redelivery overwrites instead of duplicating. While the engine is down the batch is
 * retried with capped backoff and its offsets are held. A delete record (store/message-wire.ts)
 * removes the document; it follows the message in the partition, so the two apply in order.
 */
import { ChatlabError, ErrorCodes, MetricNames, counter, errorMessage, gauge, histogram } from '../../core/index.js';
import type { ServiceConfig } from '../../core/index.js';
import { bulkDelete, bulkIndex, ensureMessagesIndex, MESSAGES_INDEX } from '../../store/index.js';
import { consumerWorker, pacingFrom, startFailure, startMessageConsumer, workerSetup, type ConsumerStats, type ConsumerWorkerDeps, type StartedConsumerWorker } from '../message-consumer.js';

export const INDEXER_GROUP_ID = 'chatlab-indexer';

/**
 * Same pacing as the persist worker (bench/cold-path.ts): fetches of 64 KiB or 500 ms (each
 * consumer group's fetch is a request Kafka pays for), interval commits, and what arrives within
 * a window goes in one bulk request. The engine's cost is per request and
 * per refresh, so the window is longer than Cassandra's; the bulk waits for a refresh anyway.
 */
export const INDEXER_DEFAULTS = {
  fetchMinBytes: 65536,
  fetchMaxWaitMs: 500,
  commitIntervalMs: 1000,
  coalesceMs: 200,
  /** A bulk request carries at most this many messages (a few MB at most: the node has 512m of heap). */
  maxBulkMessages: 1000,
} as const;

/** Send → searchable: about a refresh (1 s) when idle, minutes while the engine is down. */
const INDEX_LATENCY_BUCKETS = [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60, 120];

export type IndexerStats = Omit<ConsumerStats, 'written'> & { indexed: number };

export type IndexerDeps = ConsumerWorkerDeps;
/** healthy(): joined its group and not crashed; the engine being down is not unhealthy (it backs off and catches up). */
export type StartedIndexer = StartedConsumerWorker<IndexerStats>;

export async function startIndexer(config: ServiceConfig, deps: IndexerDeps = {}): Promise<StartedIndexer> {
  const { log, registry, groupId } = workerSetup(config, deps, INDEXER_GROUP_ID);
  const index = typeof config.options['index'] === 'string' ? config.options['index'] : MESSAGES_INDEX;
  const url = config.searchUrl;
  if (!url) throw new ChatlabError(ErrorCodes.CONFIG, 'indexer: no searchUrl in the service config');

  const metrics = {
    written: counter(registry, MetricNames.indexed, 'Messages written to the search index'),
    rejected: counter(registry, MetricNames.indexerRejected, 'Kafka records skipped as malformed'),
    writeFailures: counter(registry, MetricNames.indexerWriteFailures, 'Failed bulk attempts (retried)'),
    lag: gauge(registry, MetricNames.indexerLag, 'Records of the messages topic not yet committed by the indexer group'),
    latency: histogram(registry, MetricNames.indexerLatency, 'Send (gateway sentAt) to searchable, seconds', INDEX_LATENCY_BUCKETS),
  };
  const bulkRequests = counter(registry, MetricNames.indexerBulkRequests, 'Bulk requests sent to the search engine');
  const pacing = pacingFrom(config.options, INDEXER_DEFAULTS);
  const maxBulk = Math.max(1, pacing.maxBulkMessages);

  let indexReady = false;
  try {
    await ensureMessagesIndex(url, index);
    indexReady = true;
  } catch (err) {
    log(`search engine not ready at start (indexing waits for it): ${errorMessage(err)}`);
  }
  let consumer;
  try {
    consumer = await startMessageConsumer({
      config,
      groupId,
      what: 'bulk write',
      pacing,
      write: async (messages) => {
        // the index is created lazily so an engine that is down at start only delays indexing
        if (!indexReady) {
          await ensureMessagesIndex(url, index);
          indexReady = true;
        }
        for (let i = 0; i < messages.length; i += maxBulk) {
          bulkRequests.inc();
          await bulkIndex(url, messages.slice(i, i + maxBulk), index);
        }
      },
      // a delete record comes after its message in the partition, so the document cannot come back
      remove: async (deletions) => {
        for (let i = 0; i < deletions.length; i += maxBulk) {
          bulkRequests.inc();
          await bulkDelete(url, deletions.slice(i, i + maxBulk).map((d) => d.messageId), index);
        }
      },
      keyOf: (m) => m.messageId,
      metrics,
      ...deps,
      log,
    });
  } catch (err) {
    throw startFailure('indexer', err);
  }
  return consumerWorker(consumer, { registry, groupId, writtenAs: 'indexed' });
}

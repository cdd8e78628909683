/**
 * The indexer: Kafka `chat.messages` → the search engine's `messages` index, a second consumer
 * group next to the persist worker. At-least-once like it: offsets are resolved and committed
 * only after the bulk write is searchable, and every document is written under `_id` = message
 * id, so a redelivery overwrites instead of duplicating. While the engine is down the batch is
 * retried with capped backoff and its offsets are held.
 */
import { Kafka, logLevel, type Admin, type Consumer, type EachBatchPayload, type logCreator } from 'kafkajs';
import { ChatlabError, ErrorCodes, MetricNames, counter, createRegistry, errorMessage, gauge, histogram, systemClock } from '../../core/index.js';
import type { Clock, Message, Registry, ServiceConfig } from '../../core/index.js';
import { bulkIndex, ensureMessagesIndex, MESSAGES_INDEX } from '../../store/index.js';
import { WriteCoalescer } from '../persist/coalescer.js';
import { parseRecord, persistBackoffMs } from '../persist/worker.js';

export const INDEXER_GROUP_ID = 'chatlab-indexer';

/**
 * Same pacing as the persist worker (bench/cold-path.ts): fuller fetches, interval commits, and
 * what arrives within a window goes in one bulk request. The engine's cost is per request and
 * per refresh, so the window is longer than Cassandra's; the bulk waits for a refresh anyway.
 */
export const INDEXER_DEFAULTS = {
  fetchMinBytes: 1,
  fetchMaxWaitMs: 1000,
  commitIntervalMs: 1000,
  coalesceMs: 200,
  /** A bulk request carries at most this many messages (a few MB at most: the node has 512m of heap). */
  maxBulkMessages: 1000,
} as const;

function numberOption(options: Record<string, unknown>, key: keyof typeof INDEXER_DEFAULTS): number {
  const v = options[key];
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : INDEXER_DEFAULTS[key];
}

/** Send → searchable: about a refresh (1 s) when idle, minutes while the engine is down. */
const INDEX_LATENCY_BUCKETS = [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60, 120];
const SLEEP_SLICE_MS = 250;

export interface IndexerStats {
  indexed: number;
  rejected: number;
  batches: number;
  writeFailures: number;
  /** True while the latest bulk attempt failed (engine unreachable); offsets are held. */
  writeFailing: boolean;
  lag: number | null;
}

export interface IndexerDeps {
  registry?: Registry;
  clock?: Clock;
  log?: (line: string) => void;
  onFatal?: (err: Error) => void;
  joinTimeoutMs?: number;
  lagIntervalMs?: number;
}

export interface StartedIndexer {
  readonly stats: IndexerStats;
  readonly registry: Registry;
  readonly groupId: string;
  /** Joined its group and not crashed. The engine being down is not unhealthy: it backs off and catches up. */
  healthy(): boolean;
  stop(): Promise<void>;
}

function kafkaLogs(log: (line: string) => void): logCreator {
  return () => (entry) => {
    const { message, error } = entry.log as { message: string; error?: unknown };
    log(`[kafkajs ${entry.namespace}] ${message}${error ? `: ${String(error)}` : ''}`);
  };
}

export async function startIndexer(config: ServiceConfig, deps: IndexerDeps = {}): Promise<StartedIndexer> {
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? ((line: string) => void process.stderr.write(`[${config.name}] ${line}\n`));
  const registry = deps.registry ?? createRegistry(config.name);
  const groupId = typeof config.options['groupId'] === 'string' ? config.options['groupId'] : INDEXER_GROUP_ID;
  const index = typeof config.options['index'] === 'string' ? config.options['index'] : MESSAGES_INDEX;
  const topic = config.topics.messages;
  const url = config.searchUrl;
  if (!url) throw new ChatlabError(ErrorCodes.CONFIG, 'indexer: no searchUrl in the service config');

  const indexedTotal = counter(registry, MetricNames.indexed, 'Messages written to the search index');
  const rejectedTotal = counter(registry, MetricNames.indexerRejected, 'Kafka records skipped as malformed');
  const failuresTotal = counter(registry, MetricNames.indexerWriteFailures, 'Failed bulk attempts (retried)');
  const lagGauge = gauge(registry, MetricNames.indexerLag, 'Records of the messages topic not yet committed by the indexer group');
  const latency = histogram(registry, MetricNames.indexerLatency, 'Send (gateway sentAt) to searchable, seconds', INDEX_LATENCY_BUCKETS);
  const bulkRequests = counter(registry, MetricNames.indexerBulkRequests, 'Bulk requests sent to the search engine');

  const stats: IndexerStats = { indexed: 0, rejected: 0, batches: 0, writeFailures: 0, writeFailing: false, lag: null };
  let joined = false;
  let crashed = false;
  let indexReady = false;
  let stopping: Promise<void> | undefined;
  let lagTimer: NodeJS.Timeout | undefined;

  const kafka = new Kafka({ clientId: config.name, brokers: config.kafkaBrokers, logLevel: logLevel.WARN, logCreator: kafkaLogs(log) });
  const consumer: Consumer = kafka.consumer({
    groupId,
    minBytes: numberOption(config.options, 'fetchMinBytes'),
    maxWaitTimeInMs: numberOption(config.options, 'fetchMaxWaitMs'),
  });
  const maxBulk = Math.max(1, numberOption(config.options, 'maxBulkMessages'));
  const coalescer = new WriteCoalescer<Message>(async (messages) => {
    // the index is created lazily so an engine that is down at start only delays indexing
    if (!indexReady) {
      await ensureMessagesIndex(url, index);
      indexReady = true;
    }
    for (let i = 0; i < messages.length; i += maxBulk) {
      bulkRequests.inc();
      await bulkIndex(url, messages.slice(i, i + maxBulk), index);
    }
  }, numberOption(config.options, 'coalesceMs'));
  const admin: Admin = kafka.admin();

  async function writeUntilDone(messages: Message[], p: EachBatchPayload): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      if (!p.isRunning() || p.isStale()) return false;
      try {
        await coalescer.add(messages);
        const now = clock.now();
        for (const m of messages) latency.observe(Math.max(0, now - m.sentAt) / 1000);
        if (stats.writeFailing) log(`bulk writes succeed again after ${attempt} failed attempt(s)`);
        stats.writeFailing = false;
        return true;
      } catch (err) {
        stats.writeFailures++;
        failuresTotal.inc();
        if (!stats.writeFailing || attempt % 20 === 0) log(`bulk write failed (attempt ${attempt + 1}, offsets held): ${errorMessage(err)}`);
        stats.writeFailing = true;
        const until = clock.now() + persistBackoffMs(attempt);
        while (clock.now() < until) {
          // heartbeats keep the partitions ours through an outage
          await p.heartbeat();
          if (!p.isRunning() || p.isStale()) return false;
          await clock.sleep(Math.min(SLEEP_SLICE_MS, until - clock.now()));
        }
      }
    }
  }

  async function eachBatch(p: EachBatchPayload): Promise<void> {
    const { batch } = p;
    const unique = new Map<string, Message>();
    for (const record of batch.messages) {
      const r = parseRecord(record.value);
      if (r.ok) unique.set(r.message.messageId, r.message);
      else {
        stats.rejected++;
        rejectedTotal.inc();
        log(`skipped malformed record ${batch.topic}[${batch.partition}]@${record.offset}: ${r.reason}`);
      }
    }
    const messages = [...unique.values()];
    if (messages.length > 0 && !(await writeUntilDone(messages, p))) return;
    stats.indexed += messages.length;
    indexedTotal.inc(messages.length);
    stats.batches++;
    for (const record of batch.messages) p.resolveOffset(record.offset);
    await p.commitOffsetsIfNecessary();
    await p.heartbeat();
  }

  let lagBusy = false;
  async function pollLag(): Promise<void> {
    if (lagBusy || stopping) return;
    lagBusy = true;
    try {
      const [heads, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
      const done = new Map((committed[0]?.partitions ?? []).map((q) => [q.partition, Number(q.offset)]));
      let lag = 0;
      for (const h of heads) {
        const at = done.get(h.partition) ?? -1;
        lag += Number(h.high) - (at >= 0 ? at : Number(h.low));
      }
      stats.lag = lag;
      lagGauge.set(lag);
    } catch {
      // a diagnostic: the next tick tries again
    } finally {
      lagBusy = false;
    }
  }

  async function stop(): Promise<void> {
    stopping ??= (async () => {
      if (lagTimer) clearInterval(lagTimer);
      joined = false;
      for (const step of [() => consumer.disconnect(), () => admin.disconnect()]) {
        try {
          await step();
        } catch (err) {
          log(`stop: ${errorMessage(err)}`);
        }
      }
    })();
    return stopping;
  }

  try {
    try {
      await ensureMessagesIndex(url, index);
      indexReady = true;
    } catch (err) {
      log(`search engine not ready at start (indexing waits for it): ${errorMessage(err)}`);
    }
    await admin.connect();
    const joinedOnce = new Promise<void>((resolve) => {
      consumer.on(consumer.events.GROUP_JOIN, () => {
        joined = true;
        resolve();
      });
    });
    consumer.on(consumer.events.CRASH, (e) => {
      log(`consumer crashed (${e.payload.restart ? 'restarting' : 'not restarting'}): ${errorMessage(e.payload.error)}`);
      if (e.payload.restart) return;
      crashed = true;
      deps.onFatal?.(e.payload.error);
    });
    await consumer.connect();
    // a new group starts at the beginning: messages sent before the indexer existed are indexed too
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachBatchAutoResolve: false, autoCommitInterval: numberOption(config.options, 'commitIntervalMs'), partitionsConsumedConcurrently: 8, eachBatch });
    const timeoutMs = deps.joinTimeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      joinedOnce,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new ChatlabError(ErrorCodes.READINESS_TIMEOUT, `indexer: consumer group "${groupId}" not joined on ${topic} within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
  } catch (err) {
    await stop();
    if (err instanceof ChatlabError) throw err;
    throw new ChatlabError(ErrorCodes.INFRA_UNAVAILABLE, `indexer could not start: ${errorMessage(err)}`, { cause: err });
  }

  const lagIntervalMs = deps.lagIntervalMs ?? 5000;
  if (lagIntervalMs > 0) {
    void pollLag();
    lagTimer = setInterval(() => void pollLag(), lagIntervalMs);
    lagTimer.unref();
  }

  return {
    stats,
    registry,
    groupId,
    healthy: () => joined && !crashed && stopping === undefined,
    stop,
  };
}

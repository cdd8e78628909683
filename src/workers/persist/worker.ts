/**
 * The persist worker: Kafka `chat.messages` → Cassandra `messages`. At-least-once by design:
 * offsets are resolved and committed only after the rows are written, and the write is
 * idempotent, so a crash or a Cassandra outage can redeliver but never lose or duplicate.
 */
import { Kafka, logLevel, type Admin, type Consumer, type EachBatchPayload, type logCreator } from 'kafkajs';
import {
  ChatlabError,
  ErrorCodes,
  MetricNames,
  counter,
  createRegistry,
  errorMessage,
  gauge,
  histogram,
  messageSchema,
  describeIssue,
  systemClock,
  type Clock,
  type Message,
  type Registry,
  type ServiceConfig,
} from '../../core/index.js';
import { MessageStore, createCassandraClient, type CassandraClient } from '../../store/index.js';
import { WriteCoalescer } from './coalescer.js';

export const PERSIST_GROUP_ID = 'chatlab-persist';

/**
 * The cold path's batching, chosen by measurement on a 2-core machine (bench/cold-path.ts):
 * Kafka and Cassandra burn CPU per request far more than per byte, so the worker asks for
 * fewer, fuller fetches, commits on an interval instead of after every batch, and writes what
 * arrives within a short window together. The price is about `coalesceMs` of send → stored
 * latency, well inside what the recent stream covers.
 */
export const PERSIST_DEFAULTS = {
  /** The broker answers a fetch once this many bytes are there... */
  fetchMinBytes: 1,
  /** ...or after this long (an idle worker asks once a second). */
  fetchMaxWaitMs: 1000,
  /** Offsets of written records are committed at most this often (and on stop). */
  commitIntervalMs: 1000,
  /**
   * Records handed over within this window go to Cassandra together, and the next fetch waits
   * for that write: under load this paces fetches and writes to about 1000 / coalesceMs a
   * second, whatever the message rate.
   */
  coalesceMs: 100,
} as const;

function numberOption(options: Record<string, unknown>, key: keyof typeof PERSIST_DEFAULTS): number {
  const v = options[key];
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : PERSIST_DEFAULTS[key];
}

/** Send → stored: tens of ms when idle (the fetch wait), seconds while Cassandra is down. */
const PERSIST_LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10, 30];

const BACKOFF_BASE_MS = 200;
const BACKOFF_CAP_MS = 5000;
/** Backoff sleeps are cut into slices this long so a stop or a rebalance is noticed quickly. */
const SLEEP_SLICE_MS = 250;

/** Capped exponential: 200, 400, 800, ... 5000 ms. No jitter: there is one writer per partition. */
export function persistBackoffMs(attempt: number): number {
  return Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 16));
}

export type ParsedRecord = { ok: true; message: Message } | { ok: false; reason: string };

/** Never throws: a malformed record must not stop the partition behind it. */
export function parseRecord(value: Buffer | null): ParsedRecord {
  if (value === null) return { ok: false, reason: 'empty value' };
  let raw: unknown;
  try {
    raw = JSON.parse(value.toString('utf8'));
  } catch {
    return { ok: false, reason: 'value is not valid JSON' };
  }
  const parsed = messageSchema.safeParse(raw);
  return parsed.success ? { ok: true, message: parsed.data } : { ok: false, reason: describeIssue(parsed.error) };
}

export interface PersistWorkerStats {
  /** Message rows written (a redelivered message counts again: it was written again). */
  persisted: number;
  rejected: number;
  batches: number;
  writeFailures: number;
  /** True while the latest write attempt failed (Cassandra unreachable); offsets are held. */
  writeFailing: boolean;
  /** Records behind the head of the topic, from the last lag poll; null before the first. */
  lag: number | null;
}

export interface PersistWorkerDeps {
  /** Metrics go here (main passes the registry its /metrics serves). */
  registry?: Registry;
  clock?: Clock;
  /** Diagnostics, one line each; default stderr. */
  log?: (line: string) => void;
  /** The consumer crashed and kafkajs will not restart it: the process should exit. */
  onFatal?: (err: Error) => void;
  /** How long start waits for the consumer to join its group. */
  joinTimeoutMs?: number;
  /** Lag poll period; 0 turns polling off. */
  lagIntervalMs?: number;
}

export interface StartedPersistWorker {
  readonly stats: PersistWorkerStats;
  readonly registry: Registry;
  readonly groupId: string;
  /** Joined the group, Cassandra connected, and the consumer has not crashed for good. */
  healthy(): boolean;
  /** Stops consuming (the batch in hand is finished or abandoned uncommitted), then closes all. Idempotent. */
  stop(): Promise<void>;
}

function kafkaLogs(log: (line: string) => void): logCreator {
  return () => (entry) => {
    const { message, error } = entry.log as { message: string; error?: unknown };
    log(`[kafkajs ${entry.namespace}] ${message}${error ? `: ${String(error)}` : ''}`);
  };
}

export async function startPersistWorker(config: ServiceConfig, deps: PersistWorkerDeps = {}): Promise<StartedPersistWorker> {
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? ((line: string) => void process.stderr.write(`[${config.name}] ${line}\n`));
  const registry = deps.registry ?? createRegistry(config.name);
  const groupId = typeof config.options['groupId'] === 'string' ? config.options['groupId'] : PERSIST_GROUP_ID;
  const topic = config.topics.messages;

  const persistedTotal = counter(registry, MetricNames.persisted, 'Message rows written to Cassandra');
  const rejectedTotal = counter(registry, MetricNames.persistRejected, 'Kafka records skipped as malformed');
  const writeFailuresTotal = counter(registry, MetricNames.persistWriteFailures, 'Failed Cassandra write attempts (retried)');
  const lagGauge = gauge(registry, MetricNames.persistLag, 'Records of the messages topic not yet committed by the persist group');
  const latency = histogram(registry, MetricNames.persistLatency, 'Send (gateway sentAt) to written in Cassandra, seconds', PERSIST_LATENCY_BUCKETS);
  const dbRequests = counter(registry, MetricNames.persistDbRequests, 'Write requests (batches) sent to Cassandra');

  const stats: PersistWorkerStats = { persisted: 0, rejected: 0, batches: 0, writeFailures: 0, writeFailing: false, lag: null };
  let joined = false;
  let crashed = false;
  let cassandraConnected = false;
  let stopping: Promise<void> | undefined;
  let lagTimer: NodeJS.Timeout | undefined;

  const client: CassandraClient = createCassandraClient(config.cassandra);
  const store = new MessageStore(client, config.keyspace, { mixPartitions: config.options['mixPartitions'] !== false });
  const kafka = new Kafka({ clientId: config.name, brokers: config.kafkaBrokers, logLevel: logLevel.WARN, logCreator: kafkaLogs(log) });
  const consumer: Consumer = kafka.consumer({
    groupId,
    minBytes: numberOption(config.options, 'fetchMinBytes'),
    maxWaitTimeInMs: numberOption(config.options, 'fetchMaxWaitMs'),
  });
  const commitIntervalMs = numberOption(config.options, 'commitIntervalMs');
  const coalescer = new WriteCoalescer<Message>(async (messages) => {
    dbRequests.inc(await store.insertMany(messages));
  }, numberOption(config.options, 'coalesceMs'));
  const admin: Admin = kafka.admin();

  /** Retries until written, or until the batch is no longer ours to finish (stop, rebalance). */
  async function writeUntilDone(messages: Message[], p: EachBatchPayload): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      if (!p.isRunning() || p.isStale()) return false;
      try {
        await coalescer.add(messages);
        const now = clock.now();
        for (const m of messages) latency.observe(Math.max(0, now - m.sentAt) / 1000);
        if (stats.writeFailing) log(`Cassandra writes succeed again after ${attempt} failed attempt(s)`);
        stats.writeFailing = false;
        return true;
      } catch (err) {
        stats.writeFailures++;
        writeFailuresTotal.inc();
        // One line when an outage starts and one per 20 tries keeps a long outage readable.
        if (!stats.writeFailing || attempt % 20 === 0) log(`Cassandra write failed (attempt ${attempt + 1}, offsets held): ${errorMessage(err)}`);
        stats.writeFailing = true;
        const until = clock.now() + persistBackoffMs(attempt);
        while (clock.now() < until) {
          // Heartbeats keep the partition assigned to us during the outage; a rebalance error
          // thrown here abandons the batch uncommitted, which is safe.
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
      if (r.ok) unique.set(`${r.message.conversationId}\u0000${r.message.messageId}`, r.message);
      else {
        stats.rejected++;
        rejectedTotal.inc();
        log(`skipped malformed record ${batch.topic}[${batch.partition}]@${record.offset}: ${r.reason}`);
      }
    }
    const messages = [...unique.values()];
    if (messages.length > 0 && !(await writeUntilDone(messages, p))) return;
    stats.persisted += messages.length;
    persistedTotal.inc(messages.length);
    stats.batches++;
    for (const record of batch.messages) p.resolveOffset(record.offset);
    // Commits what is resolved once the interval has passed (and on stop); either way only
    // offsets whose records are written.
    await p.commitOffsetsIfNecessary();
    await p.heartbeat();
  }

  let lagBusy = false;
  async function pollLag(): Promise<void> {
    // A slow broker must not pile up polls.
    if (lagBusy || stopping) return;
    lagBusy = true;
    try {
      const [heads, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
      const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
      let lag = 0;
      for (const h of heads) {
        const at = done.get(h.partition) ?? -1;
        lag += Number(h.high) - (at >= 0 ? at : Number(h.low));
      }
      stats.lag = lag;
      lagGauge.set(lag);
    } catch {
      // Lag is a diagnostic; a failed poll leaves the last value and tries again next tick.
    } finally {
      lagBusy = false;
    }
  }

  async function stop(): Promise<void> {
    stopping ??= (async () => {
      if (lagTimer) clearInterval(lagTimer);
      joined = false;
      // disconnect() stops the runner, waits for the batch in hand, commits what is resolved
      // and leaves the group; each step is tried even if an earlier one failed.
      for (const step of [() => consumer.disconnect(), () => admin.disconnect(), () => client.shutdown()]) {
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
    await client.connect();
    cassandraConnected = true;
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
    // From the beginning for a new group: records produced before the first start are persisted too.
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachBatchAutoResolve: false, autoCommitInterval: commitIntervalMs, partitionsConsumedConcurrently: 8, eachBatch });
    const timeoutMs = deps.joinTimeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      joinedOnce,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new ChatlabError(ErrorCodes.READINESS_TIMEOUT, `persist worker: consumer group "${groupId}" not joined on ${topic} within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
  } catch (err) {
    await stop();
    if (err instanceof ChatlabError) throw err;
    throw new ChatlabError(ErrorCodes.INFRA_UNAVAILABLE, `persist worker could not start: ${errorMessage(err)}`, { cause: err });
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
    healthy: () => joined && cassandraConnected && !crashed && stopping === undefined,
    stop,
  };
}

/**
 * One consumer group on the messages topic that hands every message to a sink, at least once:
 * offsets are resolved and committed only after the sink has written the batch, the sinks are
 * idempotent by message id, so a crash or an outage of the sink can redeliver but never lose.
 * While the sink fails, the batch is retried with capped backoff (heartbeats keep the
 * partitions ours) and its offsets are held. The persist worker and the search indexer are two
 * such groups: Kafka is the pipeline to storage, not the router (docs/architecture.md#cold-path).
 */
import { Kafka, logLevel, parseMessageRecord, type Admin, type Consumer, type EachBatchPayload, type logCreator, type MessageDeletion } from '../store/index.js';
import { ChatlabError, ErrorCodes, createRegistry, errorMessage, serviceLog, systemClock } from '../core/index.js';
import type { Clock, Counter, Gauge, Histogram, Message, Registry, ServiceConfig } from '../core/index.js';
import { WriteCoalescer } from './coalescer.js';

/**
 * Pacing chosen by measurement on a 2-core machine (bench/cold-path.ts): the broker and the
 * sinks burn CPU per request far more than per byte, so fetches are fuller, commits go on an
 * interval, and what arrives within a window is written together.
 */
export interface ConsumerPacing {
  /** The broker answers a fetch once this many bytes are there... */
  fetchMinBytes: number;
  /** ...or after this long (an idle consumer asks this often). */
  fetchMaxWaitMs: number;
  /** Offsets of written records are committed at most this often (and on stop). */
  commitIntervalMs: number;
  /**
   * Records handed over within this window are written together, and the next fetch waits for
   * that write: under load this paces fetches and writes to about 1000 / coalesceMs a second.
   */
  coalesceMs: number;
}

/** A number option of the service config, or its default. */
export function pacingFrom<T extends Record<string, number>>(options: Record<string, unknown>, defaults: T): T {
  const out = { ...defaults };
  for (const key of Object.keys(defaults) as Array<keyof T>) {
    const v = options[key as string];
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) out[key] = v as T[keyof T];
  }
  return out;
}

const BACKOFF_BASE_MS = 200;
const BACKOFF_CAP_MS = 5000;
/** Backoff sleeps are cut into slices this long so a stop or a rebalance is noticed quickly. */
const SLEEP_SLICE_MS = 250;

/** Capped exponential: 200, 400, 800, ... 5000 ms. No jitter: there is one writer per partition. */
export function persistBackoffMs(attempt: number): number {
  return Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 16));
}

export interface ConsumerStats {
  /** Messages written (a redelivered message counts again: it was written again). */
  written: number;
  rejected: number;
  batches: number;
  writeFailures: number;
  /** True while the latest write attempt failed (the sink unreachable); offsets are held. */
  writeFailing: boolean;
  /** Records behind the head of the topic, from the last lag poll; null before the first. */
  lag: number | null;
}

export interface MessageConsumerOptions extends Omit<ConsumerWorkerDeps, 'registry' | 'log'> {
  config: ServiceConfig;
  groupId: string;
  /** For log lines: "Cassandra write", "bulk write". */
  what: string;
  pacing: ConsumerPacing;
  /** Writes a batch to the sink; called with what one coalescing window gathered. */
  write(messages: Message[]): Promise<void>;
  /**
   * Applies deletes (their records come after the message in the partition); unset, delete
   * records are skipped (the persist worker's: the gateway wrote the tombstone itself). A
   * message deleted within the same fetch is not written at all.
   */
  remove?(deletions: MessageDeletion[]): Promise<void>;
  /** Two records are one message when their keys match (the sink's identity). */
  keyOf(message: Pick<Message, 'conversationId' | 'messageId'>): string;
  metrics: { written: Counter; rejected: Counter; writeFailures: Counter; lag: Gauge; latency: Histogram };
  log: (line: string) => void;
}

export interface StartedMessageConsumer {
  readonly stats: ConsumerStats;
  /** Joined the group and not crashed for good, and not stopping. */
  healthy(): boolean;
  /** Stops consuming (the batch in hand is finished or abandoned uncommitted), commits what is resolved, leaves. Idempotent. */
  stop(): Promise<void>;
}

/** What a worker built on this consumer takes from its caller (main, or a test). */
export interface ConsumerWorkerDeps {
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

/** A worker built on this consumer, as started. */
export interface StartedConsumerWorker<Stats> {
  readonly stats: Stats;
  readonly registry: Registry;
  readonly groupId: string;
  healthy(): boolean;
  /** Stops consuming (the batch in hand is finished or abandoned uncommitted), then closes all. Idempotent. */
  stop(): Promise<void>;
}

/**
 * A started consumer as the worker it serves: its written count under the worker's own name
 * (`persisted`, `indexed`), and a stop that also closes what the worker opened, once.
 */
export function consumerWorker<Name extends string>(
  consumer: StartedMessageConsumer,
  o: { registry: Registry; groupId: string; writtenAs: Name; close?: () => Promise<void> },
): StartedConsumerWorker<Omit<ConsumerStats, 'written'> & Record<Name, number>> {
  let stopping: Promise<void> | undefined;
  return {
    get stats() {
      const { written, ...rest } = consumer.stats;
      return { ...rest, [o.writtenAs]: written } as Omit<ConsumerStats, 'written'> & Record<Name, number>;
    },
    registry: o.registry,
    groupId: o.groupId,
    healthy: () => consumer.healthy(),
    stop: () => (stopping ??= consumer.stop().then(o.close)),
  };
}

/** What every such worker derives from its config and deps: where it logs and counts, and its group. */
export function workerSetup(config: ServiceConfig, deps: ConsumerWorkerDeps, defaultGroupId: string): { log: (line: string) => void; registry: Registry; groupId: string } {
  return {
    log: serviceLog(config.name, deps.log),
    registry: deps.registry ?? createRegistry(config.name),
    groupId: typeof config.options['groupId'] === 'string' ? config.options['groupId'] : defaultGroupId,
  };
}

/** A failed start as the error the service process reports: its own code, or "could not start". */
export function startFailure(worker: string, err: unknown): ChatlabError {
  if (err instanceof ChatlabError) return err;
  return new ChatlabError(ErrorCodes.INFRA_UNAVAILABLE, `${worker} could not start: ${errorMessage(err)}`, { cause: err });
}

function kafkaLogs(log: (line: string) => void): logCreator {
  return () => (entry) => {
    const { message, error } = entry.log as { message: string; error?: unknown };
    log(`[kafkajs ${entry.namespace}] ${message}${error ? `: ${String(error)}` : ''}`);
  };
}

export async function startMessageConsumer(o: MessageConsumerOptions): Promise<StartedMessageConsumer> {
  const clock = o.clock ?? systemClock;
  const { config, groupId, log, metrics } = o;
  const topic = config.topics.messages;
  const stats: ConsumerStats = { written: 0, rejected: 0, batches: 0, writeFailures: 0, writeFailing: false, lag: null };
  let joined = false;
  let crashed = false;
  let stopping: Promise<void> | undefined;
  let lagTimer: NodeJS.Timeout | undefined;

  const kafka = new Kafka({ clientId: config.name, brokers: config.kafkaBrokers, logLevel: logLevel.WARN, logCreator: kafkaLogs(log) });
  const consumer: Consumer = kafka.consumer({ groupId, minBytes: o.pacing.fetchMinBytes, maxWaitTimeInMs: o.pacing.fetchMaxWaitMs });
  const admin: Admin = kafka.admin();
  const coalescer = new WriteCoalescer<Message>((messages) => o.write(messages), o.pacing.coalesceMs);

  /** Retries until written, or until the batch is no longer ours to finish (stop, rebalance). */
  async function writeUntilDone(write: () => Promise<void>, p: EachBatchPayload): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      if (!p.isRunning() || p.isStale()) return false;
      try {
        await write();
        if (stats.writeFailing) log(`${o.what}s succeed again after ${attempt} failed attempt(s)`);
        stats.writeFailing = false;
        return true;
      } catch (err) {
        stats.writeFailures++;
        metrics.writeFailures.inc();
        // One line when an outage starts and one per 20 tries keeps a long outage readable.
        if (!stats.writeFailing || attempt % 20 === 0) log(`${o.what} failed (attempt ${attempt + 1}, offsets held): ${errorMessage(err)}`);
        stats.writeFailing = true;
        const until = clock.now() + persistBackoffMs(attempt);
        while (clock.now() < until) {
          // Heartbeats keep the partitions assigned to us during the outage; a rebalance error
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
    const deletions: MessageDeletion[] = [];
    for (const record of batch.messages) {
      const r = parseMessageRecord(record.value);
      if (!r.ok) {
        stats.rejected++;
        metrics.rejected.inc();
        log(`skipped malformed record ${batch.topic}[${batch.partition}]@${record.offset}: ${r.reason}`);
      } else if ('deletion' in r) {
        // a message deleted in the same fetch is not written; the delete itself still is
        unique.delete(o.keyOf(r.deletion));
        deletions.push(r.deletion);
      } else unique.set(o.keyOf(r.message), r.message);
    }
    const messages = [...unique.values()];
    const write = async () => {
      await coalescer.add(messages);
      const now = clock.now();
      for (const m of messages) metrics.latency.observe(Math.max(0, now - m.sentAt) / 1000);
    };
    if (messages.length > 0 && !(await writeUntilDone(write, p))) return;
    const remove = o.remove;
    if (remove && deletions.length > 0 && !(await writeUntilDone(() => remove(deletions), p))) return;
    stats.written += messages.length;
    metrics.written.inc(messages.length);
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
      const done = new Map((committed[0]?.partitions ?? []).map((q) => [q.partition, Number(q.offset)]));
      let lag = 0;
      for (const h of heads) {
        const at = done.get(h.partition) ?? -1;
        lag += Number(h.high) - (at >= 0 ? at : Number(h.low));
      }
      stats.lag = lag;
      metrics.lag.set(lag);
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
      o.onFatal?.(e.payload.error);
    });
    await consumer.connect();
    // From the beginning for a new group: records produced before the first start are written too.
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachBatchAutoResolve: false, autoCommitInterval: o.pacing.commitIntervalMs, partitionsConsumedConcurrently: 8, eachBatch });
    const timeoutMs = o.joinTimeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      joinedOnce,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new ChatlabError(ErrorCodes.READINESS_TIMEOUT, `${config.name}: consumer group "${groupId}" not joined on ${topic} within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
  } catch (err) {
    await stop();
    throw err;
  }

  const lagIntervalMs = o.lagIntervalMs ?? 5000;
  if (lagIntervalMs > 0) {
    void pollLag();
    lagTimer = setInterval(() => void pollLag(), lagIntervalMs);
    lagTimer.unref();
  }

  return { stats, healthy: () => joined && !crashed && stopping === undefined, stop };
}

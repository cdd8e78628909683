import { Kafka, Partitioners, logLevel, producerAcks, type KafkaAcks, type MessageRecord, type Producer } from '../store/index.js';

interface Pending extends MessageRecord {
  bytes: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

export interface ProducerLimits {
  /**
   * Bytes of keys and values per produce request. Kafka's default max.message.bytes is 1 MiB
   * for a whole record batch, so a count cap alone fails on a burst of large messages.
   */
  maxBatchBytes?: number;
  /** Messages waiting for Kafka at most; beyond it `full` is true and the gateway refuses sends. */
  maxQueued?: number;
  /** Kafka's linger.ms: how long the first message of a request waits for company (bench/cold-path.ts). */
  lingerMs?: number;
  /** all (default) or 1 (store/consistency.ts). */
  acks?: KafkaAcks;
}

/** Headroom under Kafka's 1 MiB default for record and batch overhead. */
export const DEFAULT_MAX_BATCH_BYTES = 900 * 1024;
export const DEFAULT_MAX_QUEUED = 20_000;

/**
 * An idempotent Kafka producer that batches on its own rhythm: while one request is in flight,
 * new messages queue; when it completes, everything queued goes in the next request. One
 * request at a time keeps per-partition order. A request also waits `lingerMs` after the
 * first message that finds the producer idle (Kafka's linger.ms): the broker's cost is per
 * request, so a few ms of ack latency buys far fewer requests at moderate rates.
 */
export class BatchingProducer {
  private producer: Producer;
  private readonly newProducer: () => Producer;
  private readonly renew: () => Promise<void>;
  /**
   * An idempotent producer whose request failed must not send again under its producer id.
   * kafkajs hands the failed request's sequence numbers to the next request, whatever records
   * it holds; if a replica had already taken the failed one (a follower that fetched it just
   * before the leader died, then became leader), the broker takes a later request with the same
   * first and last sequence for that batch again: it answers success and writes nothing, and
   * those messages were acked and lost (the broker-loss scenario shows it). A fresh producer id has no
   * sequence in any log; what the failed request did write is a duplicate the stores absorb (by id).
   */
  private renewBeforeNext = false;
  private readonly idempotent: boolean;
  private queue: Pending[] = [];
  private inFlight: Promise<void> | null = null;
  private readonly maxBatchBytes: number;
  private readonly maxQueued: number;
  private readonly lingerMs: number;
  /** Counted from enqueue to settle, so `full` also covers the batch in flight. */
  private waiting = 0;
  private lastFailed = false;
  /** When the request in flight was sent (0 when none is). */
  private sentAt = 0;

  constructor(
    brokers: string[],
    private readonly topic: string,
    private readonly batchMax: number,
    private readonly onAcked: (n: number) => void,
    clientId = 'chatlab-gateway',
    limits: ProducerLimits = {},
    sendBatch?: (messages: MessageRecord[]) => Promise<unknown>,
    renew?: () => Promise<void>,
  ) {
    const kafka = new Kafka({ clientId, brokers, logLevel: logLevel.WARN, retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 3000 } });
    // an idempotent producer must wait for every in-sync replica; acks=1 gives it up (kafkajs refuses
    // the mix), and one request in flight still keeps each partition in order
    const acks = producerAcks(limits.acks);
    this.idempotent = acks === -1;
    this.newProducer = () => kafka.producer({ idempotent: this.idempotent, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    this.producer = this.newProducer();
    this.renew = renew ?? (() => this.renewProducer());
    this.maxBatchBytes = limits.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
    this.maxQueued = limits.maxQueued ?? DEFAULT_MAX_QUEUED;
    this.lingerMs = limits.lingerMs ?? 0;
    this.sendBatch = sendBatch ?? ((messages) => this.producer.send({ topic: this.topic, acks, messages }));
  }

  private readonly sendBatch: (messages: MessageRecord[]) => Promise<unknown>;

  connect(): Promise<void> {
    return this.producer.connect();
  }

  /** Resolves once Kafka has the message (acks=all: every in-sync replica; acks=1: the leader). */
  send(key: string, value: string): Promise<void> {
    this.waiting++;
    const done = new Promise<void>((resolve, reject) => {
      this.queue.push({ key, value, bytes: Buffer.byteLength(key) + Buffer.byteLength(value), resolve, reject });
      if (!this.inFlight) this.inFlight = this.lingerMs > 0 ? sleep(this.lingerMs).then(() => this.pump()) : this.pump();
    });
    return done.finally(() => this.waiting--);
  }

  get pending(): number {
    return this.queue.length;
  }

  /** No room for another message: refuse the send before it is published anywhere. */
  get full(): boolean {
    return this.waiting >= this.maxQueued;
  }

  /**
   * False after a batch failed, until one succeeds, and while a request has waited longer than
   * `stuckMs` (a paused or unreachable broker): /healthz reports Kafka with this.
   */
  healthy(now = Date.now(), stuckMs = 10_000): boolean {
    return !this.lastFailed && !(this.sentAt > 0 && now - this.sentAt > stuckMs);
  }

  private async pump(): Promise<void> {
    // A linger wait before the first request; later requests go at once (the one in flight was the wait).
    while (this.queue.length > 0) {
      const batch = takeBatch(this.queue, this.batchMax, this.maxBatchBytes);
      this.sentAt = Date.now();
      let errors: Array<Error | undefined>;
      try {
        if (this.renewBeforeNext) {
          await this.renew();
          this.renewBeforeNext = false;
        }
        errors = await sendSplitting(batch, this.sendBatch);
      } catch (err) {
        // no fresh producer (Kafka still unreachable): the batch fails, its senders send again
        errors = batch.map(() => (err instanceof Error ? err : new Error(String(err))));
      }
      if (this.idempotent && errors.some((e) => e !== undefined && !isTooLarge(e))) this.renewBeforeNext = true;
      this.sentAt = 0;
      const acked = errors.filter((e) => e === undefined).length;
      this.lastFailed = acked < batch.length;
      if (acked > 0) this.onAcked(acked);
      batch.forEach((p, i) => (errors[i] ? p.reject(errors[i]!) : p.resolve()));
    }
    this.inFlight = null;
  }

  /** Drops the producer (and its id) for a new one, connected: InitProducerId gives it a new id. */
  private async renewProducer(): Promise<void> {
    await this.producer.disconnect().catch(() => {});
    this.producer = this.newProducer();
    await this.producer.connect();
  }

  /** Waits for everything queued to be acknowledged (or failed), then disconnects. */
  async disconnect(): Promise<void> {
    while (this.inFlight) await this.inFlight;
    await this.producer.disconnect();
  }
}

/** Takes from the front of the queue at most `maxCount` messages and `maxBytes` (always at least one). */
export function takeBatch<T extends { bytes: number }>(queue: T[], maxCount: number, maxBytes: number): T[] {
  let n = 0;
  let bytes = 0;
  while (n < queue.length && n < maxCount && (n === 0 || bytes + queue[n]!.bytes <= maxBytes)) bytes += queue[n++]!.bytes;
  return queue.splice(0, n);
}

/** Kafka's answer to a record batch above the broker's (or topic's) max.message.bytes. */
export function isTooLarge(err: unknown): boolean {
  const e = err as { type?: string; cause?: { type?: string }; originalError?: { type?: string } } | null;
  return e?.type === 'MESSAGE_TOO_LARGE' || e?.cause?.type === 'MESSAGE_TOO_LARGE' || e?.originalError?.type === 'MESSAGE_TOO_LARGE';
}

/**
 * Sends a batch; one the broker finds too large is split in halves, in order, down to single
 * messages. Returns each message's error (undefined = Kafka has it), so a part that fails
 * does not fail the rest.
 */
export async function sendSplitting<T extends MessageRecord>(
  batch: readonly T[],
  send: (messages: MessageRecord[]) => Promise<unknown>,
): Promise<Array<Error | undefined>> {
  try {
    await send(batch.map((p) => ({ key: p.key, value: p.value })));
    return batch.map(() => undefined);
  } catch (err) {
    if (!isTooLarge(err) || batch.length < 2) return batch.map(() => (err instanceof Error ? err : new Error(String(err))));
    const half = Math.ceil(batch.length / 2);
    return [...(await sendSplitting(batch.slice(0, half), send)), ...(await sendSplitting(batch.slice(half), send))];
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

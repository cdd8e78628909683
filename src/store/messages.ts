/**
 * The `messages` table: one partition per (conversation, day bucket), clustered by Snowflake
 * id. Day buckets keep partitions bounded for long-lived conversations; the price is that a
 * read "after id X" has to walk buckets forward until it has a page.
 */
import { CHATLAB_EPOCH_MS, parseSnowflake, systemClock, type Clock, type Message } from '../core/index.js';
import { Long, type CassandraClient } from './cassandra.js';
import { MESSAGE_BUCKET_MS } from './schema.js';

/**
 * Ids come from gateway clocks, reads bound their scan with this process's clock; a little
 * slack past "now" keeps a message minted by a clock slightly ahead (around midnight) visible.
 */
export const BUCKET_CLOCK_SLACK_MS = 60_000;
/** Buckets read in parallel at most, while walking a long empty stretch of days. */
const MAX_SCAN_WINDOW = 16;
/**
 * Single-partition unlogged batches are kept well under Cassandra's default 50 KiB batch fail
 * threshold (bodies are up to 4096 UTF-16 units, i.e. up to ~12 KiB of UTF-8 each).
 */
const BATCH_MAX_ROWS = 50;
const BATCH_MAX_BYTES = 32 * 1024;

export function bucketOfTime(ms: number): number {
  return Math.floor(ms / MESSAGE_BUCKET_MS);
}

export function bucketOfId(messageId: string): number {
  return bucketOfTime(parseSnowflake(messageId).timestampMs);
}

/**
 * The inclusive range of buckets that can hold messages after `afterId`: from the bucket of
 * `afterId` (or of `fromMs` when reading from the start, else of the Snowflake epoch) up to
 * the bucket of now (plus clock slack). `first > last` means there is nothing to read.
 */
export function scanBuckets(afterId: string, nowMs: number, fromMs?: number): { first: number; last: number } {
  let first: number;
  if (afterId !== '0') first = bucketOfId(afterId);
  else first = bucketOfTime(Math.max(CHATLAB_EPOCH_MS, (fromMs ?? CHATLAB_EPOCH_MS) - BUCKET_CLOCK_SLACK_MS));
  return { first, last: bucketOfTime(nowMs + BUCKET_CLOCK_SLACK_MS) };
}

export interface MessagePage {
  messages: Message[];
  hasMore: boolean;
}

export interface MessageStoreOptions {
  clock?: Clock;
  /** Partitions written at once by insertMany. */
  writeConcurrency?: number;
}

export class MessageStore {
  readonly #client: CassandraClient;
  readonly #clock: Clock;
  readonly #writeConcurrency: number;
  readonly #insertCql: string;
  readonly #selectCql: string;

  constructor(client: CassandraClient, keyspace: string, options: MessageStoreOptions = {}) {
    this.#client = client;
    this.#clock = options.clock ?? systemClock;
    this.#writeConcurrency = Math.max(1, options.writeConcurrency ?? 8);
    this.#insertCql = `INSERT INTO ${keyspace}.messages (conversation_id, bucket, message_id, sender_id, client_msg_id, body, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?)`;
    this.#selectCql = `SELECT message_id, sender_id, client_msg_id, body, sent_at FROM ${keyspace}.messages WHERE conversation_id = ? AND bucket = ? AND message_id > ? LIMIT ?`;
  }

  /**
   * Idempotent: a message's primary key is fully determined by the message, so writing it
   * again overwrites the row with the same values (Kafka redelivery after a crash is harmless).
   * Rejects with the first error once every started write has settled, so a retry never races
   * a write still in flight from the failed attempt.
   */
  async insertMany(messages: readonly Message[]): Promise<void> {
    const partitions = new Map<string, Message[]>();
    for (const m of messages) {
      const key = `${m.conversationId}\u0000${bucketOfId(m.messageId)}`;
      const list = partitions.get(key);
      if (list) list.push(m);
      else partitions.set(key, [m]);
    }
    await forEachLimit([...partitions.values()], this.#writeConcurrency, (group) => this.#writePartition(group));
  }

  /** Messages with id > afterId, oldest first; hasMore when at least one more exists. */
  async after(conversationId: string, afterId: string, limit: number, opts: { fromMs?: number } = {}): Promise<MessagePage> {
    const want = limit + 1;
    const { first, last } = scanBuckets(afterId, this.#clock.now(), opts.fromMs);
    const afterLong = Long.fromString(afterId);
    const found: Message[] = [];
    // The window grows because the first bucket usually holds the page; a read from the start
    // of an old, quiet conversation may have to skip many empty days.
    let window = 1;
    for (let b = first; b <= last && found.length < want; b += window, window = Math.min(window * 2, MAX_SCAN_WINDOW)) {
      const remaining = want - found.length;
      const buckets: number[] = [];
      for (let i = b; i < b + window && i <= last; i++) buckets.push(i);
      const pages = await Promise.all(buckets.map((bucket) => this.#readBucket(conversationId, bucket, afterLong, remaining)));
      for (const page of pages) {
        for (const m of page) {
          if (found.length >= want) break;
          found.push(m);
        }
      }
    }
    return { messages: found.slice(0, limit), hasMore: found.length > limit };
  }

  async #readBucket(conversationId: string, bucket: number, afterLong: InstanceType<typeof Long>, limit: number): Promise<Message[]> {
    const rs = await this.#client.execute(this.#selectCql, [conversationId, bucket, afterLong, limit], { prepare: true });
    return rs.rows.map((row) => ({
      conversationId,
      messageId: (row['message_id'] as InstanceType<typeof Long>).toString(),
      senderId: row['sender_id'] as string,
      clientMsgId: row['client_msg_id'] as string,
      body: row['body'] as string,
      sentAt: (row['sent_at'] as Date).getTime(),
    }));
  }

  async #writePartition(group: Message[]): Promise<void> {
    for (const chunk of chunkBySize(group)) {
      const queries = chunk.map((m) => ({ query: this.#insertCql, params: this.#insertParams(m) }));
      if (queries.length === 1) await this.#client.execute(queries[0]!.query, queries[0]!.params, { prepare: true });
      // Unlogged is right here: every row of the batch is in the same partition, so the batch
      // is applied atomically by one replica without the batchlog.
      else await this.#client.batch(queries, { prepare: true, logged: false });
    }
  }

  #insertParams(m: Message): unknown[] {
    return [m.conversationId, bucketOfId(m.messageId), Long.fromString(m.messageId), m.senderId, m.clientMsgId, m.body, new Date(m.sentAt)];
  }
}

function estimateBytes(m: Message): number {
  return 64 + 3 * (m.body.length + m.clientMsgId.length + m.senderId.length + m.conversationId.length);
}

function chunkBySize(group: Message[]): Message[][] {
  const chunks: Message[][] = [];
  let current: Message[] = [];
  let bytes = 0;
  for (const m of group) {
    const size = estimateBytes(m);
    if (current.length > 0 && (current.length >= BATCH_MAX_ROWS || bytes + size > BATCH_MAX_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Runs fn over items, `limit` at a time; stops starting new ones after a failure. */
async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let firstError: unknown;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (err) {
        if (!failed) firstError = err;
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failed) throw firstError;
}

/**
 * The `messages` table: one partition per (conversation, day bucket), clustered by Snowflake
 * id. Day buckets keep partitions bounded for long-lived conversations; the price is that a
 * read "after id X" has to walk buckets forward until it has a page.
 */
import { CHATLAB_EPOCH_MS, parseSnowflake, systemClock, type Clock, type ConcurrencyLimit, type Message } from '../core/index.js';
import { Long, type CassandraClient } from './cassandra.js';
import { MESSAGE_BUCKET_MS } from './schema.js';
import { driverConsistency, type ConsistencyLevel } from './consistency.js';
import { writeUnloggedBatches } from './unlogged-batch.js';

/**
 * Ids come from gateway clocks, reads bound their scan with this process's clock; a little
 * slack past "now" keeps a message minted by a clock slightly ahead (around midnight) visible.
 */
export const BUCKET_CLOCK_SLACK_MS = 60_000;
/** Buckets read in parallel at most, while walking a long empty stretch of days. */
const MAX_SCAN_WINDOW = 16;
/**
 * Batches are kept under Cassandra's default 50 KiB batch fail threshold (bodies are up to 4096
 * UTF-16 units, i.e. up to ~12 KiB of UTF-8 each), counted in the rows' UTF-8 bytes. Cassandra's
 * shared executor pool spins and parks its workers after every request (a CPU profile at 1,000
 * msg/s: 19% of its samples in the kernel's task switch), so fewer, fuller requests cost it less:
 * up to 200 rows and 40 KiB, counted exactly rather than estimated at 3 bytes per UTF-16 unit, so
 * a batch of short messages fills up to the row cap (what it saved: bench/README.md).
 */
const BATCH_MAX_ROWS = 200;
const BATCH_MAX_BYTES = 40 * 1024;

export function bucketOfTime(ms: number): number {
  return Math.floor(ms / MESSAGE_BUCKET_MS);
}

export function bucketOfId(messageId: string): number {
  return bucketOfTime(parseSnowflake(messageId).timestampMs);
}

/**
 * The inclusive range of buckets that can hold messages after `afterId`: from the later of the
 * bucket of `afterId` and the bucket of `fromMs` (conversation creation, less clock slack), up
 * to the bucket of now (plus clock slack). A tiny `after` (say 1) thus never walks the days
 * before the conversation existed. `first > last` means there is nothing to read.
 */
export function scanBuckets(afterId: string, nowMs: number, fromMs?: number): { first: number; last: number } {
  const fromBucket = bucketOfTime(Math.max(CHATLAB_EPOCH_MS, (fromMs ?? CHATLAB_EPOCH_MS) - BUCKET_CLOCK_SLACK_MS));
  const first = afterId === '0' ? fromBucket : Math.max(bucketOfId(afterId), fromBucket);
  return { first, last: bucketOfTime(nowMs + BUCKET_CLOCK_SLACK_MS) };
}

/**
 * The write timestamp (µs) of a message's row: its Snowflake time, the same for every write of
 * it, so a redelivered insert is an exact overwrite and never newer than a delete of it
 * (deleteTimestampUs). Cassandra resolves a row by write timestamp, not by arrival.
 */
export function insertTimestampUs(messageId: string): number {
  return parseSnowflake(messageId).timestampMs * 1000;
}

/**
 * A delete's write timestamp: after the insert's whatever order the two reach Cassandra in (the
 * persist worker may insert a message still in Kafka after the delete), and not before now
 * (rows written by a worker that stamped them with its own clock are shadowed too).
 */
export function deleteTimestampUs(messageId: string, nowMs: number): number {
  return Math.max(nowMs * 1000, insertTimestampUs(messageId) + 1);
}

export interface MessagePage {
  messages: Message[];
  hasMore: boolean;
}

export interface MessageStoreOptions {
  clock?: Clock;
  /** Partitions written at once by insertMany. */
  writeConcurrency?: number;
  /** insertMany packs several partitions into one batch (see unlogged-batch.ts). */
  mixPartitions?: boolean;
  /** History and sync reads' level (consistency.ts); unset: the client's. */
  readConsistency?: ConsistencyLevel;
  /** Bounds page reads (`after`) in flight at once across the process (a sync storm queues here). */
  readLimit?: ConcurrencyLimit;
}

export class MessageStore {
  readonly #client: CassandraClient;
  readonly #clock: Clock;
  readonly #writeConcurrency: number;
  readonly #mixPartitions: boolean;
  readonly #readLimit: ConcurrencyLimit | undefined;
  readonly #insertCql: string;
  readonly #selectCql: string;
  readonly #selectOneCql: string;
  readonly #deleteCql: string;
  readonly #readOptions: { prepare: true; consistency?: number };

  constructor(client: CassandraClient, keyspace: string, options: MessageStoreOptions = {}) {
    this.#client = client;
    this.#clock = options.clock ?? systemClock;
    this.#writeConcurrency = Math.max(1, options.writeConcurrency ?? 8);
    this.#mixPartitions = options.mixPartitions ?? false;
    this.#readOptions = options.readConsistency ? { prepare: true, consistency: driverConsistency(options.readConsistency) } : { prepare: true };
    this.#readLimit = options.readLimit;
    this.#insertCql = `INSERT INTO ${keyspace}.messages (conversation_id, bucket, message_id, sender_id, client_msg_id, body, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?`;
    this.#selectCql = `SELECT message_id, sender_id, client_msg_id, body, sent_at FROM ${keyspace}.messages WHERE conversation_id = ? AND bucket = ? AND message_id > ? LIMIT ?`;
    this.#selectOneCql = `SELECT message_id, sender_id, client_msg_id, body, sent_at FROM ${keyspace}.messages WHERE conversation_id = ? AND bucket = ? AND message_id = ?`;
    this.#deleteCql = `DELETE FROM ${keyspace}.messages USING TIMESTAMP ? WHERE conversation_id = ? AND bucket = ? AND message_id = ?`;
  }

  /**
   * Idempotent: a message's primary key is fully determined by the message, so writing it
   * again overwrites the row with the same values (Kafka redelivery after a crash is harmless).
   * Returns the number of requests made.
   * Rejects with the first error once every started write has settled, so a retry never races
   * a write still in flight from the failed attempt.
   */
  async insertMany(messages: readonly Message[]): Promise<number> {
    return writeUnloggedBatches(this.#client, messages, {
      partitionOf: (m) => `${m.conversationId}\u0000${bucketOfId(m.messageId)}`,
      statementOf: (m) => ({ query: this.#insertCql, params: this.#insertParams(m) }),
      maxRows: BATCH_MAX_ROWS,
      maxBytes: BATCH_MAX_BYTES,
      sizeOf: estimateBytes,
      concurrency: this.#writeConcurrency,
      mixPartitions: this.#mixPartitions,
    });
  }

  /** Messages with id > afterId, oldest first; hasMore when at least one more exists. */
  async after(conversationId: string, afterId: string, limit: number, opts: { fromMs?: number } = {}): Promise<MessagePage> {
    return this.#readLimit ? this.#readLimit.run(() => this.#after(conversationId, afterId, limit, opts)) : this.#after(conversationId, afterId, limit, opts);
  }

  async #after(conversationId: string, afterId: string, limit: number, opts: { fromMs?: number }): Promise<MessagePage> {
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

  /** One message by id (at the read level), or undefined when Cassandra has no row of it. */
  async get(conversationId: string, messageId: string): Promise<Message | undefined> {
    const rs = await this.#client.execute(this.#selectOneCql, [conversationId, bucketOfId(messageId), Long.fromString(messageId)], this.#readOptions);
    return rs.rows.map((row) => this.#toMessage(conversationId, row))[0];
  }

  /**
   * A tombstone for the message's row at `consistency` (unset: the client's level), stamped
   * after any insert of it (deleteTimestampUs): idempotent, and an insert that arrives later
   * from Kafka cannot bring the row back.
   */
  async delete(conversationId: string, messageId: string, consistency?: ConsistencyLevel): Promise<void> {
    const params = [Long.fromNumber(deleteTimestampUs(messageId, this.#clock.now())), conversationId, bucketOfId(messageId), Long.fromString(messageId)];
    await this.#client.execute(this.#deleteCql, params, consistency ? { prepare: true, consistency: driverConsistency(consistency) } : { prepare: true });
  }

  async #readBucket(conversationId: string, bucket: number, afterLong: InstanceType<typeof Long>, limit: number): Promise<Message[]> {
    const rs = await this.#client.execute(this.#selectCql, [conversationId, bucket, afterLong, limit], this.#readOptions);
    return rs.rows.map((row) => this.#toMessage(conversationId, row));
  }

  #toMessage(conversationId: string, row: Record<string, unknown>): Message {
    return {
      conversationId,
      messageId: (row['message_id'] as InstanceType<typeof Long>).toString(),
      senderId: row['sender_id'] as string,
      clientMsgId: row['client_msg_id'] as string,
      body: row['body'] as string,
      sentAt: (row['sent_at'] as Date).getTime(),
    };
  }

  #insertParams(m: Message): unknown[] {
    return [m.conversationId, bucketOfId(m.messageId), Long.fromString(m.messageId), m.senderId, m.clientMsgId, m.body, new Date(m.sentAt), Long.fromNumber(insertTimestampUs(m.messageId))];
  }
}

function estimateBytes(m: Message): number {
  return 64 + Buffer.byteLength(m.body) + Buffer.byteLength(m.clientMsgId) + Buffer.byteLength(m.senderId) + Buffer.byteLength(m.conversationId);
}

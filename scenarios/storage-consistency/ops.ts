/**
 * The members' operations on the message store, each at the variant's consistency level, and
 * the Jepsen processes that run them: writers, readers and deleters, one operation at a time
 * each, every one recorded invoked → ok / fail / unknown (history.ts).
 *
 * Writes are the persist worker's own call (MessageStore.insertMany of one message), reads the
 * history read (MessageStore.after) and deletes the gateway's tombstone (MessageStore.delete),
 * so the levels measured are those the services use. They go straight to Cassandra because the
 * gateway answers a send once Kafka holds it, serves the newest seconds of history from Redis,
 * and answers a failed delete 503 whether the tombstone was refused or timed out: none of them
 * would show what the replicas hold.
 */
import { SnowflakeGenerator, type Message, type Rng } from '../../src/core/index.js';
import { MessageStore, createCassandraClient, type CassandraClient, type ConsistencyLevel } from '../../src/store/index.js';
import { outcomeOf, type Op, type OpKind } from './history.js';

/** A read's page: more than any conversation gets in a run of the defaults' size. */
export const READ_LIMIT = 5000;

export interface StoreOps {
  write(m: Message): Promise<void>;
  /** Every message of the conversation (up to READ_LIMIT; `upTo` when it stopped there). */
  read(conversationId: string): Promise<{ ids: string[]; upTo?: string }>;
  delete(conversationId: string, messageId: string): Promise<void>;
  close(): Promise<void>;
}

/** Operations at one level on a client of their own (the driver's policies as the services use them). */
export function storeOps(cassandra: { contactPoints: string[]; localDataCenter: string }, keyspace: string, level: ConsistencyLevel, fromMs: number, timeoutMs?: number): StoreOps {
  const client: CassandraClient = createCassandraClient({ ...cassandra, keyspace, ...(timeoutMs ? { readTimeoutMs: timeoutMs } : {}) }, level);
  const store = new MessageStore(client, keyspace, { readConsistency: level, writeConcurrency: 1 });
  return {
    write: async (m) => {
      await store.insertMany([m]);
    },
    read: async (conversationId) => {
      const page = await store.after(conversationId, '0', READ_LIMIT, { fromMs });
      const ids = page.messages.map((m) => m.messageId);
      return page.hasMore ? { ids, upTo: ids.at(-1)! } : { ids };
    },
    delete: (conversationId, messageId) => store.delete(conversationId, messageId),
    close: () => client.shutdown().catch(() => {}),
  };
}

/** Records every operation with the run's clock (ms since `t0`). */
export class Recorder {
  readonly ops: Op[] = [];
  constructor(private readonly t0 = performance.now()) {}

  now(): number {
    return performance.now() - this.t0;
  }

  /** Runs one operation and records it; resolves with its outcome and result (never rejects). */
  async record<T>(kind: OpKind, process: number, conversationId: string, messageId: string | undefined, fn: () => Promise<T>): Promise<{ op: Op; value?: T }> {
    const invokedAt = this.now();
    try {
      const value = await fn();
      const op: Op = { kind, process, conversationId, ...(messageId ? { messageId } : {}), invokedAt, completedAt: this.now(), outcome: 'ok' };
      this.ops.push(op);
      return { op, value };
    } catch (err) {
      const message = err instanceof Error ? err.message.split('\n')[0]!.slice(0, 200) : String(err);
      const op: Op = { kind, process, conversationId, ...(messageId ? { messageId } : {}), invokedAt, completedAt: this.now(), outcome: outcomeOf(err), error: message };
      this.ops.push(op);
      return { op };
    }
  }
}

export interface Members {
  conversations: Array<{ conversationId: string; members: string[] }>;
  writers: number;
  readers: number;
  deleters: number;
  thinkMs: number;
}

/**
 * Runs the members until `stopped()`: writers send to their conversations in turn, readers read
 * them in turn, deleters delete a message its sender wrote and got acknowledged (one not yet
 * deleted, chosen at random). Resolves when every process has finished its last operation.
 */
export async function runMembers(ops: StoreOps, rec: Recorder, m: Members, rng: Rng, stopped: () => boolean, sleep: (ms: number) => Promise<void>): Promise<void> {
  const ids = new SnowflakeGenerator({ workerId: 1000 + Math.floor(rng.next() * 23) });
  const acked = new Map<string, Message[]>();
  const convs = m.conversations;
  let sent = 0;
  const writer = async (p: number) => {
    for (let i = p; !stopped(); i++) {
      const c = convs[i % convs.length]!;
      const messageId = await ids.next();
      const senderId = c.members[i % c.members.length]!;
      const msg: Message = { conversationId: c.conversationId, messageId, senderId, clientMsgId: `sc-${p}-${sent++}`, body: `storage-consistency ${messageId}`, sentAt: Date.now() };
      const { op } = await rec.record('write', p, c.conversationId, messageId, () => ops.write(msg));
      if (op.outcome === 'ok') acked.set(c.conversationId, [...(acked.get(c.conversationId) ?? []), msg]);
      await sleep(m.thinkMs);
    }
  };
  const reader = async (p: number) => {
    for (let i = p; !stopped(); i++) {
      const c = convs[i % convs.length]!;
      const { op, value } = await rec.record('read', p, c.conversationId, undefined, () => ops.read(c.conversationId));
      if (value) {
        op.seen = value.ids;
        if (value.upTo) op.upTo = value.upTo;
      }
      await sleep(m.thinkMs);
    }
  };
  const deleter = async (p: number) => {
    for (let i = p; !stopped(); i++) {
      const c = convs[i % convs.length]!;
      const list = acked.get(c.conversationId) ?? [];
      if (list.length === 0) {
        await sleep(m.thinkMs);
        continue;
      }
      const [victim] = list.splice(Math.floor(rng.next() * list.length), 1);
      await rec.record('delete', p, c.conversationId, victim!.messageId, () => ops.delete(c.conversationId, victim!.messageId));
      await sleep(m.thinkMs);
    }
  };
  let p = 0;
  await Promise.all([
    ...Array.from({ length: m.writers }, () => writer(p++)),
    ...Array.from({ length: m.readers }, () => reader(p++)),
    ...Array.from({ length: m.deleters }, () => deleter(p++)),
  ]);
}

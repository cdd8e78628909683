/**
 * The `read_watermarks` table: one row per (conversation, user), the highest id they read.
 *
 * Every write carries `USING TIMESTAMP <messageId>`: Cassandra keeps the cell with the highest
 * write timestamp, so the highest watermark wins whatever order writes arrive in (two
 * gateways in write-through, a worker re-flushing leftovers after a crash, a stale value
 * written after a newer one). This table must therefore only be written through this store:
 * a write with a normal (microsecond clock) timestamp would lose to every Snowflake id.
 */
import { Long, type CassandraClient } from './cassandra.js';

export interface WatermarkRow {
  conversationId: string;
  userId: string;
  messageId: string;
}

/** Rows of one partition per unlogged batch: a single-partition batch is one mutation. */
const BATCH_MAX_ROWS = 100;

export class WatermarkStore {
  private readonly insertCql: string;
  private readonly selectCql: string;

  constructor(
    private readonly client: CassandraClient,
    keyspace: string,
    private readonly concurrency = 16,
  ) {
    this.insertCql = `INSERT INTO ${keyspace}.read_watermarks (conversation_id, user_id, message_id, updated_at) VALUES (?, ?, ?, ?) USING TIMESTAMP ?`;
    this.selectCql = `SELECT user_id, message_id FROM ${keyspace}.read_watermarks WHERE conversation_id = ?`;
  }

  async write(row: WatermarkRow): Promise<void> {
    await this.client.execute(this.insertCql, this.params(row, new Date()), { prepare: true });
  }

  /** Writes rows grouped by conversation (one batch per partition chunk), a few partitions at once. */
  async writeMany(rows: readonly WatermarkRow[]): Promise<void> {
    const now = new Date();
    const byConv = new Map<string, WatermarkRow[]>();
    for (const r of rows) {
      const list = byConv.get(r.conversationId) ?? [];
      list.push(r);
      byConv.set(r.conversationId, list);
    }
    const chunks: WatermarkRow[][] = [];
    for (const list of byConv.values()) for (let i = 0; i < list.length; i += BATCH_MAX_ROWS) chunks.push(list.slice(i, i + BATCH_MAX_ROWS));
    let next = 0;
    const run = async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++]!;
        if (chunk.length === 1) await this.client.execute(this.insertCql, this.params(chunk[0]!, now), { prepare: true });
        else
          await this.client.batch(
            chunk.map((r) => ({ query: this.insertCql, params: this.params(r, now) })),
            { prepare: true, logged: false },
          );
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, chunks.length) }, run));
  }

  /** user → watermark, for one conversation. */
  async read(conversationId: string): Promise<Map<string, string>> {
    const rs = await this.client.execute(this.selectCql, [conversationId], { prepare: true });
    return new Map(rs.rows.map((r) => [String(r['user_id']), String(r['message_id'])]));
  }

  private params(r: WatermarkRow, now: Date): unknown[] {
    const id = Long.fromString(r.messageId);
    return [r.conversationId, r.userId, id, now, id];
  }
}

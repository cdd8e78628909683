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
import { writeUnloggedBatches } from './unlogged-batch.js';

export interface WatermarkRow {
  conversationId: string;
  userId: string;
  messageId: string;
}

/** Rows per unlogged batch (all of one partition). */
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
    await writeUnloggedBatches(this.client, rows, {
      partitionOf: (r) => r.conversationId,
      statementOf: (r) => ({ query: this.insertCql, params: this.params(r, now) }),
      maxRows: BATCH_MAX_ROWS,
      concurrency: this.concurrency,
    });
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

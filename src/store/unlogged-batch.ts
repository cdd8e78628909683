/**
 * The one writer of unlogged batches. Unlogged is right only when every row of a batch is in
 * the same partition: then the batch is a single mutation applied by one replica, with no
 * batchlog. So rows are grouped by partition first, and a batch never mixes partitions.
 */
import { mapLimited } from '../core/index.js';
import type { CassandraClient } from './cassandra.js';

export interface Statement {
  query: string;
  params: unknown[];
}

export interface UnloggedBatchPlan<T> {
  /** Rows with the same key share a partition. */
  partitionOf(row: T): string;
  statementOf(row: T): Statement;
  maxRows: number;
  /** With `sizeOf`: a batch is closed before it would pass this many (estimated) bytes. */
  maxBytes?: number;
  sizeOf?(row: T): number;
  /** Partitions written at once; the chunks of one partition are written one after another. */
  concurrency: number;
}

/** Rejects with the first error once every started write has settled (see mapLimited). */
export async function writeUnloggedBatches<T>(client: CassandraClient, rows: readonly T[], plan: UnloggedBatchPlan<T>): Promise<void> {
  const partitions = new Map<string, T[]>();
  for (const row of rows) {
    const key = plan.partitionOf(row);
    const list = partitions.get(key);
    if (list) list.push(row);
    else partitions.set(key, [row]);
  }
  await mapLimited([...partitions.values()], plan.concurrency, async (partition) => {
    for (const chunk of chunkPartition(partition, plan)) {
      const statements = chunk.map((row) => plan.statementOf(row));
      if (statements.length === 1) await client.execute(statements[0]!.query, statements[0]!.params, { prepare: true });
      else await client.batch(statements, { prepare: true, logged: false });
    }
  });
}

export function chunkPartition<T>(rows: readonly T[], plan: Pick<UnloggedBatchPlan<T>, 'maxRows' | 'maxBytes' | 'sizeOf'>): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = plan.sizeOf?.(row) ?? 0;
    const full = current.length >= plan.maxRows || (plan.maxBytes !== undefined && bytes + size > plan.maxBytes);
    if (current.length > 0 && full) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * The one writer of unlogged batches. Rows are grouped by partition first: a batch of one
 * partition is a single mutation applied by one replica, with no batchlog. With
 * `mixPartitions`, the rows of several partitions (each kept together) share a batch up to the
 * size bound: no atomicity across partitions, which idempotent rows do not need, and one request
 * instead of one per partition: on a small node the cost is per request, not per row
 * (bench/cold-path.ts). On a large cluster a coordinator would then forward the other replicas'
 * rows, so it is a choice, not the default.
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
  /** Pack whole partitions together into batches (see above). */
  mixPartitions?: boolean;
}

/**
 * Returns the number of requests made. Rejects with the first error once every started write
 * has settled (see mapLimited).
 */
export async function writeUnloggedBatches<T>(client: CassandraClient, rows: readonly T[], plan: UnloggedBatchPlan<T>): Promise<number> {
  const partitions = new Map<string, T[]>();
  for (const row of rows) {
    const key = plan.partitionOf(row);
    const list = partitions.get(key);
    if (list) list.push(row);
    else partitions.set(key, [row]);
  }
  const lanes = plan.mixPartitions ? chunkPartition([...partitions.values()].flat(), plan).map((chunk) => [chunk]) : [...partitions.values()].map((p) => chunkPartition(p, plan));
  let requests = 0;
  await mapLimited(lanes, plan.concurrency, async (chunks) => {
    for (const chunk of chunks) {
      const statements = chunk.map((row) => plan.statementOf(row));
      requests++;
      if (statements.length === 1) await client.execute(statements[0]!.query, statements[0]!.params, { prepare: true });
      else await client.batch(statements, { prepare: true, logged: false });
    }
  });
  return requests;
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

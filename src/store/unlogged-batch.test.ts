import { describe, expect, it } from 'vitest';
import type { CassandraClient } from './cassandra.js';
import { chunkPartition, writeUnloggedBatches, type Statement } from './unlogged-batch.js';

interface Row {
  p: string;
  n: number;
}

function recordingClient() {
  const calls: Array<{ kind: 'execute' | 'batch'; statements: Statement[]; logged?: boolean }> = [];
  const client = {
    execute: async (query: string, params: unknown[]) => void calls.push({ kind: 'execute', statements: [{ query, params }] }),
    batch: async (statements: Statement[], opts: { logged: boolean }) => void calls.push({ kind: 'batch', statements, logged: opts.logged }),
  } as unknown as CassandraClient;
  return { client, calls };
}

describe('writeUnloggedBatches', () => {
  it('never mixes partitions in a batch, writes a lone row as a plain statement, splits at maxRows', async () => {
    const { client, calls } = recordingClient();
    const rows: Row[] = [{ p: 'a', n: 1 }, { p: 'b', n: 2 }, { p: 'a', n: 3 }, { p: 'a', n: 4 }];
    await writeUnloggedBatches(client, rows, { partitionOf: (r) => r.p, statementOf: (r) => ({ query: `q${r.p}`, params: [r.n] }), maxRows: 2, concurrency: 1 });
    expect(calls).toEqual([
      { kind: 'batch', logged: false, statements: [{ query: 'qa', params: [1] }, { query: 'qa', params: [3] }] },
      { kind: 'execute', statements: [{ query: 'qa', params: [4] }] },
      { kind: 'execute', statements: [{ query: 'qb', params: [2] }] },
    ]);
  });

  it('with mixPartitions packs whole partitions together up to the bound, and counts the requests', async () => {
    const { client, calls } = recordingClient();
    const rows: Row[] = [{ p: 'a', n: 1 }, { p: 'b', n: 2 }, { p: 'a', n: 3 }, { p: 'c', n: 4 }, { p: 'b', n: 5 }];
    const plan = { partitionOf: (r: Row) => r.p, statementOf: (r: Row) => ({ query: `q${r.p}`, params: [r.n] }), maxRows: 3, concurrency: 1 };
    expect(await writeUnloggedBatches(recordingClient().client, rows, plan)).toBe(3);
    expect(await writeUnloggedBatches(client, rows, { ...plan, mixPartitions: true })).toBe(2);
    // the rows of a partition stay adjacent; one straddles two batches only at the bound
    expect(calls.map((c) => c.statements.map((s) => `${s.query}${String(s.params[0])}`))).toEqual([
      ['qa1', 'qa3', 'qb2'],
      ['qb5', 'qc4'],
    ]);
  });

  it('closes a chunk before it would pass maxBytes, but always takes at least one row', () => {
    const sizes = [10, 10, 25, 5];
    expect(chunkPartition(sizes, { maxRows: 50, maxBytes: 20, sizeOf: (s) => s })).toEqual([[10, 10], [25], [5]]);
  });
});

import { describe, expect, it } from 'vitest';
import { WriteCoalescer } from './coalescer.js';

describe('WriteCoalescer', () => {
  it('joins the adds of one window into one write and answers each caller', async () => {
    const writes: number[][] = [];
    const c = new WriteCoalescer<number>(async (items) => void writes.push(items), 5);
    await Promise.all([c.add([1, 2]), c.add([3]), c.add([4, 5])]);
    expect(writes).toEqual([[1, 2, 3, 4, 5]]);
    await c.add([6]);
    expect(writes).toEqual([[1, 2, 3, 4, 5], [6]]);
  });

  it('fails every caller of a failed write, and the next window writes again', async () => {
    let fail = true;
    const written: number[] = [];
    const c = new WriteCoalescer<number>(async (items) => {
      if (fail) throw new Error('cassandra down');
      written.push(...items);
    }, 1);
    const results = await Promise.allSettled([c.add([1]), c.add([2])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await Promise.all([c.add([1]), c.add([2])]);
    expect(written).toEqual([1, 2]);
  });
});

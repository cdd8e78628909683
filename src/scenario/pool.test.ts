import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { LoadPool, TickJoiner, WORKER_NODE_FLAGS } from './pool.js';

describe('peak rate over a sliding window', () => {
  it('finds a burst that a one-second bucket would average away', () => {
    const burst = Array.from({ length: 50 }, (_, i) => 1000 + i); // 50 events in 50 ms
    const spread = Array.from({ length: 50 }, (_, i) => 3000 + i * 20); // 50 events over 1 s
    expect(LoadPool.peakRate(burst, 100)).toBe(500);
    expect(LoadPool.peakRate(spread, 100)).toBe(50);
    expect(LoadPool.peakRate([], 100)).toBe(0);
  });
});

describe('joining the workers’ ticks into seconds', () => {
  const tick = (workerId: number, connects: number) => ({ workerId, connects }) as unknown as import('./load/protocol.js').WorkerTick;

  it('keeps every tick of a worker that reports twice before another reports once (its counts are never overwritten)', () => {
    const j = new TickJoiner(2);
    expect(j.add(tick(0, 5))).toEqual([]);
    expect(j.add(tick(0, 7))).toEqual([]); // worker 1 is late (a starved process)
    expect(j.add(tick(1, 1)).map((s) => s.map((t) => t.connects))).toEqual([[5, 1]]);
    expect(j.add(tick(1, 2)).map((s) => s.map((t) => t.connects))).toEqual([[7, 2]]);
    expect(j.add(tick(0, 3))).toEqual([]);
  });
});


import { describe, expect, it } from 'vitest';
import { LoadPool } from './pool.js';

describe('peak rate over a sliding window', () => {
  it('finds a burst that a one-second bucket would average away', () => {
    const burst = Array.from({ length: 50 }, (_, i) => 1000 + i); // 50 events in 50 ms
    const spread = Array.from({ length: 50 }, (_, i) => 3000 + i * 20); // 50 events over 1 s
    expect(LoadPool.peakRate(burst, 100)).toBe(500);
    expect(LoadPool.peakRate(spread, 100)).toBe(50);
    expect(LoadPool.peakRate([], 100)).toBe(0);
  });
});

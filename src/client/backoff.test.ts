import { describe, expect, it } from 'vitest';
import { ErrorCodes, createRng } from '../core/index.js';
import {
  type BackoffPolicy,
  parseBackoffOptions,
  createBackoff,
  decorrelatedJitterDelay,
  exponentialDelay,
  fullJitterDelay,
} from './backoff.js';

const take = (n: number, next: () => number) => Array.from({ length: n }, next);

describe('backoff policies', () => {
  it('none reconnects at once, every time', () => {
    const b = createBackoff({ policy: 'none', minMs: 0, maxMs: 0 }, createRng(1));
    expect(take(5, () => b.next())).toEqual([0, 0, 0, 0, 0]);
  });

  it('exponential doubles from min and stops at max', () => {
    const b = createBackoff({ policy: 'exponential', minMs: 100, maxMs: 5000 }, createRng(1));
    expect(take(9, () => b.next())).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
    expect(b.attempt).toBe(9);
  });

  it('exponential does not overflow at absurd attempt counts', () => {
    expect(exponentialDelay(10_000, 100, 30_000)).toBe(30_000);
  });

  it('reset starts the sequence over', () => {
    const b = createBackoff({ policy: 'exponential', minMs: 50, maxMs: 1000 }, createRng(1));
    take(4, () => b.next());
    b.reset();
    expect(b.attempt).toBe(0);
    expect(take(2, () => b.next())).toEqual([50, 100]);
  });

  it('full jitter stays in [0, cap] with mean about half the cap over 10k samples', () => {
    const rng = createRng('full');
    for (const [attempt, cap] of [
      [0, 100],
      [3, 800],
      [20, 10_000],
    ] as const) {
      const samples = take(10_000, () => fullJitterDelay(attempt, 100, 10_000, rng));
      expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...samples)).toBeLessThanOrEqual(cap);
      const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
      expect(Math.abs(mean - cap / 2)).toBeLessThan(cap * 0.03);
      // Integers in whole ms, and the whole range is used (both halves hit).
      expect(samples.every(Number.isInteger)).toBe(true);
      expect(samples.some((s) => s < cap * 0.1) && samples.some((s) => s > cap * 0.9)).toBe(true);
    }
  });

  it('decorrelated jitter stays within [min, max] and grows from the previous delay', () => {
    const rng = createRng('decor');
    const b = createBackoff({ policy: 'decorrelated-jitter', minMs: 100, maxMs: 2000 }, rng);
    const samples = take(10_000, () => b.next());
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...samples)).toBeLessThanOrEqual(2000);

    // Depends on prev: draws after a small previous delay are bounded by prev*3 ...
    const small = take(1000, () => decorrelatedJitterDelay(150, 100, 100_000, rng));
    expect(Math.max(...small)).toBeLessThanOrEqual(450);
    // ... and after a large one they reach far higher.
    const large = take(1000, () => decorrelatedJitterDelay(10_000, 100, 100_000, rng));
    expect(Math.max(...large)).toBeGreaterThan(20_000);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(large)).toBeGreaterThan(mean(small) * 10);
  });

  it('is deterministic for a seed', () => {
    const run = () => {
      const b = createBackoff({ policy: 'full-jitter', minMs: 10, maxMs: 5000 }, createRng(77));
      return take(20, () => b.next());
    };
    expect(run()).toEqual(run());
  });

  it('jitter spreads a herd of 1000 clients: far fewer land in the busiest 100 ms bucket', () => {
    // 1000 clients lose their gateway at t=0 and each of attempts 0..3 fails at once;
    // the 4th attempt (attempt index 3) lands at the sum of the first four delays.
    const busiestBucketShare = (policy: BackoffPolicy) => {
      const seed = createRng(`herd-${policy}`);
      const buckets = new Map<number, number>();
      for (let c = 0; c < 1000; c++) {
        const b = createBackoff({ policy, minMs: 100, maxMs: 30_000 }, seed.fork(c));
        const at = take(4, () => b.next()).reduce((a, d) => a + d, 0);
        const key = Math.floor(at / 100);
        buckets.set(key, (buckets.get(key) ?? 0) + 1);
      }
      return Math.max(...buckets.values()) / 1000;
    };
    const plain = busiestBucketShare('exponential');
    const full = busiestBucketShare('full-jitter');
    const decorrelated = busiestBucketShare('decorrelated-jitter');
    expect(plain).toBe(1); // everyone at 100+200+400+800 = 1500 ms
    expect(full).toBeLessThan(0.2);
    expect(decorrelated).toBeLessThan(0.2);
    expect(plain / full).toBeGreaterThan(5);
  });
});

describe('backoff options', () => {
  it('accepts valid options', () => {
    expect(parseBackoffOptions({ policy: 'full-jitter', minMs: 100, maxMs: 100 })).toEqual({
      policy: 'full-jitter',
      minMs: 100,
      maxMs: 100,
    });
  });

  it.each([
    [{ policy: 'fibonacci', minMs: 1, maxMs: 2 }, /policy/],
    [{ policy: 'exponential', minMs: 500, maxMs: 100 }, /maxMs: maxMs must be >= minMs/],
    [{ policy: 'exponential', minMs: 0, maxMs: 100 }, /minMs: minMs must be >= 1/],
    [{ policy: 'none', minMs: -1, maxMs: 0 }, /minMs/],
    [{ policy: 'none', minMs: 0, maxMs: 0, jitter: true }, /jitter/],
    [{ policy: 'none', minMs: 0.5, maxMs: 1 }, /minMs/],
    [{ policy: 'exponential', minMs: 1 }, /maxMs/],
    [null, /expected an object/],
  ])('rejects %j with a config error naming the field', (input, message) => {
    const act = () => createBackoff(input as never, createRng(1));
    expect(act).toThrowError(expect.objectContaining({ code: ErrorCodes.CONFIG, name: 'ChatlabError' }));
    expect(act).toThrowError(message);
  });
});

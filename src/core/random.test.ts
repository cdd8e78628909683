import { describe, expect, it } from 'vitest';
import { ChatlabError, ErrorCodes } from './errors.js';
import { createRng } from './random.js';

const draw = (seed: number | string, n: number) => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => rng.next());
};

describe('createRng', () => {
  it('repeats the same stream for the same seed', () => {
    expect(draw(42, 50)).toEqual(draw(42, 50));
    expect(draw('run-a', 50)).toEqual(draw('run-a', 50));
  });

  it('gives different streams for neighbouring seeds', () => {
    const a = draw(1, 20);
    const b = draw(2, 20);
    expect(a).not.toEqual(b);
    // Not just shifted: the streams share no values.
    expect(a.filter((x) => b.includes(x))).toEqual([]);
  });

  it('treats a number seed and its decimal text alike', () => {
    expect(draw(7, 10)).toEqual(draw('7', 10));
  });

  it('stays in [0, 1) and is roughly uniform', () => {
    const rng = createRng('uniform');
    const buckets = new Array<number>(10).fill(0);
    const n = 100_000;
    let outOfRange = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.next();
      if (!(x >= 0 && x < 1)) outOfRange++;
      else buckets[Math.floor(x * 10)]! += 1;
    }
    expect(outOfRange).toBe(0);
    for (const count of buckets) expect(Math.abs(count - n / 10)).toBeLessThan(n / 100);
  });

  it('int covers both ends of the range and nothing outside', () => {
    const rng = createRng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 2_000; i++) seen.add(rng.int(-2, 2));
    expect([...seen].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2]);
    expect(rng.int(5, 5)).toBe(5);
  });

  it('int rejects a reversed or fractional range with a config error', () => {
    const rng = createRng(3);
    expect(() => rng.int(3, 1)).toThrow(ChatlabError);
    expect(() => rng.int(0.5, 2)).toThrowError(expect.objectContaining({ code: ErrorCodes.CONFIG }));
  });

  it('pick returns every element over many draws and rejects an empty array', () => {
    const rng = createRng('pick');
    const items = ['a', 'b', 'c'] as const;
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(rng.pick(items));
    expect([...seen].sort()).toEqual(['a', 'b', 'c']);
    expect(() => rng.pick([])).toThrowError(/non-empty/);
  });

  it('fork is deterministic, independent of the parent draws, and distinct per label', () => {
    const parent = createRng(9);
    const before = parent.fork('client-1').next();
    parent.next();
    parent.next();
    expect(parent.fork('client-1').next()).toBe(before);
    expect(parent.fork('client-2').next()).not.toBe(before);
  });

  it('rejects a non-finite number seed', () => {
    expect(() => createRng(Number.NaN)).toThrowError(expect.objectContaining({ code: ErrorCodes.CONFIG }));
  });
});

import { describe, expect, it } from 'vitest';
import { createRng } from '../core/index.js';
import { fitUsl, uslPeak, uslThroughput } from './usl.js';

describe('the Universal Scalability Law fit', () => {
  it('recovers σ and κ exactly from noise-free points', () => {
    const truth = { sigma: 0.05, kappa: 0.002, lambda: 1000 };
    const points = [1, 2, 4, 8, 16, 32].map((n) => ({ n, throughput: uslThroughput(truth, n) }));
    const f = fitUsl(points);
    expect(f.sigma).toBeCloseTo(0.05, 9);
    expect(f.kappa).toBeCloseTo(0.002, 9);
    expect(f.lambda).toBe(1000);
    expect(uslPeak(f)).toBeCloseTo(Math.sqrt(0.95 / 0.002), 6);
  });

  it('stays near σ and κ with 1% noise, three repeats at each N', () => {
    const truth = { sigma: 0.1, kappa: 0.01, lambda: 500 };
    const rng = createRng(7);
    const points = [1, 2, 3, 4, 6, 8].flatMap((n) => [0, 1, 2].map(() => ({ n, throughput: uslThroughput(truth, n) * (1 + (rng.next() - 0.5) * 0.02) })));
    const f = fitUsl(points);
    expect(f.sigma).toBeGreaterThan(0.07);
    expect(f.sigma).toBeLessThan(0.13);
    expect(f.kappa).toBeGreaterThan(0.007);
    expect(f.kappa).toBeLessThan(0.013);
  });

  it('fits 1, 2, 3 processes (what calibrate measures) exactly', () => {
    const truth = { sigma: 0.3, kappa: 0.05, lambda: 2000 };
    const f = fitUsl([1, 2, 3].map((n) => ({ n, throughput: uslThroughput(truth, n) })));
    expect(f.sigma).toBeCloseTo(0.3, 9);
    expect(f.kappa).toBeCloseTo(0.05, 9);
  });

  it('never returns a negative coefficient (linear scaling is σ = κ = 0)', () => {
    const f = fitUsl([1, 2, 3].map((n) => ({ n, throughput: 100 * n * 1.01 ** (n - 1) })));
    expect(f.sigma).toBe(0);
    expect(f.kappa).toBe(0);
    expect(() => fitUsl([{ n: 2, throughput: 10 }])).toThrow(/N = 1/);
  });
});

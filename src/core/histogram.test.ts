import { describe, expect, it } from 'vitest';
import { ErrorCodes } from './errors.js';
import { LatencyHistogram, createLatencyHistogram } from './histogram.js';

// 3 significant digits: a reported value is within 0.1% of the true one.
const near = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(expected * 0.001 + 1e-9);

describe('LatencyHistogram', () => {
  it('reports percentiles in ms of values recorded in µs', () => {
    const h = createLatencyHistogram();
    for (let ms = 1; ms <= 1000; ms++) h.record(ms * 1000);
    const s = h.summary();
    expect(s.count).toBe(1000);
    near(s.p50, 500);
    near(s.p90, 900);
    near(s.p99, 990);
    near(s.p999, 999);
    near(s.max, 1000);
  });

  it('keeps sub-millisecond resolution', () => {
    const h = createLatencyHistogram();
    h.record(250);
    h.record(750);
    expect(h.summary().p50).toBeCloseTo(0.25, 3);
    expect(h.summary().max).toBeCloseTo(0.75, 3);
  });

  it('an outlier moves p99.9 and max but not p50', () => {
    const h = createLatencyHistogram();
    for (let i = 0; i < 999; i++) h.recordMs(10);
    h.recordMs(5000);
    const s = h.summary();
    near(s.p50, 10);
    near(s.p99, 10);
    near(s.p999, 10);
    near(s.max, 5000);
    h.recordMs(5000);
    near(h.summary().p999, 5000);
  });

  it('summarises an empty histogram as zeros', () => {
    expect(createLatencyHistogram().summary()).toEqual({ count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 });
  });

  it('merging two encoded histograms equals recording all values in one', () => {
    const a = createLatencyHistogram();
    const b = createLatencyHistogram();
    const all = createLatencyHistogram();
    for (let i = 0; i < 5000; i++) {
      const us = ((i * 7919) % 200_000) + 100; // spread over 0.1..200 ms
      (i % 3 === 0 ? a : b).record(us);
      all.record(us);
    }
    const merged = LatencyHistogram.decode(a.encode());
    merged.merge(b.encode());
    expect(merged.summary()).toEqual(all.summary());
    expect(merged.count).toBe(5000);
  });

  it('encode/decode round-trips the summary', () => {
    const h = createLatencyHistogram();
    [1200, 3400, 99_000, 2_000_000].forEach((v) => h.record(v));
    expect(LatencyHistogram.decode(h.encode()).summary()).toEqual(h.summary());
  });

  it('merges a live histogram object as well as an encoded one', () => {
    const a = createLatencyHistogram();
    const b = createLatencyHistogram();
    a.recordMs(1);
    b.recordMs(100);
    a.merge(b);
    expect(a.count).toBe(2);
    near(a.summary().max, 100);
  });

  it('clamps negative and over-range samples instead of throwing, and counts them', () => {
    const h = createLatencyHistogram();
    h.record(-5);
    h.record(10 * 3_600_000_000);
    h.record(Number.NaN);
    expect(h.count).toBe(2);
    expect(h.clamped).toBe(3);
    near(h.summary().max, 3_600_000);
    h.reset();
    expect(h.count).toBe(0);
    expect(h.clamped).toBe(0);
  });

  it('rejects text that is not an encoded histogram', () => {
    expect(() => LatencyHistogram.decode('not base64 at all!')).toThrowError(
      expect.objectContaining({ code: ErrorCodes.BAD_REQUEST }),
    );
  });
});

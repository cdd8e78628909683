import { describe, expect, it } from 'vitest';
import { fixtureRunResult } from '../../test/fixtures/run-result.js';
import { compareToBaseline, parseTolerance, renderBaseline } from './baseline.js';

describe('--baseline regression gate', () => {
  it('passes an equal run', () => {
    const base = fixtureRunResult();
    const c = compareToBaseline(base, fixtureRunResult(), 'reports/base', 10);
    expect(c.ok).toBe(true);
    expect(c.rows.length).toBeGreaterThan(0);
  });
  it('fails a run made slower beyond the tolerance, and says which measure', () => {
    const base = fixtureRunResult();
    const slow = fixtureRunResult();
    for (const v of slow.variants) v.latency.p99 = v.latency.p99 * 1.5 + 2;
    const c = compareToBaseline(base, slow, 'reports/base', 10);
    expect(c.ok).toBe(false);
    expect(c.rows.filter((r) => !r.ok).map((r) => r.measure)).toContain('latency p99 (ms)');
    expect(renderBaseline(c).join('\n')).toMatch(/✖ .*latency p99 \(ms\) .*worse/);
    // within a generous tolerance it passes
    expect(compareToBaseline(base, slow, 'reports/base', 1000).ok).toBe(true);
  });
  it('compares in the better direction: higher-is-better measures regress when they fall', () => {
    const base = fixtureRunResult();
    base.variants[0]!.better = { ...(base.variants[0]!.better ?? {}), throughput: 'higher' };
    base.variants[0]!.measures = { ...base.variants[0]!.measures, throughput: 1000 };
    const run = structuredClone(base);
    run.variants[0]!.measures['throughput'] = 1500;
    expect(compareToBaseline(base, run, 'b', 10).ok).toBe(true);
    run.variants[0]!.measures['throughput'] = 500;
    expect(compareToBaseline(base, run, 'b', 10).rows.find((r) => r.measure === 'throughput')).toMatchObject({ ok: false, regressPct: 50 });
  });
  it('byte measures regress only beyond 64 KiB: a memory delta of a shared Redis jitters by tens of KiB', () => {
    const base = fixtureRunResult();
    base.variants[0]!.better = { ...(base.variants[0]!.better ?? {}), redisMemoryDeltaBytes: 'lower' };
    base.variants[0]!.measures = { ...base.variants[0]!.measures, redisMemoryDeltaBytes: -6432 };
    const run = structuredClone(base);
    run.variants[0]!.measures['redisMemoryDeltaBytes'] = 34_320;
    expect(compareToBaseline(base, run, 'b', 400).rows.find((r) => r.measure === 'redisMemoryDeltaBytes')).toMatchObject({ ok: true });
    run.variants[0]!.measures['redisMemoryDeltaBytes'] = 2_000_000;
    expect(compareToBaseline(base, run, 'b', 400).rows.find((r) => r.measure === 'redisMemoryDeltaBytes')).toMatchObject({ ok: false });
  });
  it('reads the tolerance', () => {
    expect(parseTolerance('10%')).toBe(10);
    expect(parseTolerance('2.5')).toBe(2.5);
    expect(() => parseTolerance('ten')).toThrow(/--max-regress/);
  });
});

import { describe, expect, it } from 'vitest';
import { fixtureRunResult } from '../../test/fixtures/run-result.js';
import type { LatencySummary } from '../core/index.js';
import type { RunResult, VariantResult } from '../scenario/index.js';
import { compareToBaseline, noiseFloorOf, parseTolerance, renderBaseline } from './baseline.js';

/** One variant whose latency is `l` (and `repeats`, each a latency, when given). */
function runOf(l: Partial<LatencySummary>, repeats?: Array<Partial<LatencySummary>>): RunResult {
  const r = fixtureRunResult();
  const v = r.variants[0]!;
  const latency = (x: Partial<LatencySummary>) => ({ ...v.latency, ...x });
  const one: VariantResult = { ...v, name: 'default', measures: {}, latency: latency(l), ...(repeats ? { repeats: repeats.map((x) => ({ checker: v.checker, latency: latency(x), measures: {}, thresholds: [], errors: [], durationMs: 1000 })) } : {}) };
  return { ...r, variants: [one] };
}
const row = (c: ReturnType<typeof compareToBaseline>, measure: string) => c.rows.find((r) => r.measure === measure)!;

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
  it('passes two identical short runs whose tails moved by chance (300 messages: p99 0.70 → 4.38 ms, p99.9 0.83 → 8.34 ms at 400%)', () => {
    const base = runOf({ count: 300, p50: 0.42, p90: 0.58, p99: 0.7, p999: 0.83, max: 0.83 });
    const again = runOf({ count: 300, p50: 0.45, p90: 0.61, p99: 4.38, p999: 8.34, max: 8.34 });
    const c = compareToBaseline(base, again, 'b', 400);
    // worse by more than 400% and by more than 1 ms: the gate without a floor called this a regression
    expect(row(c, 'latency p99 (ms)')).toMatchObject({ ok: true, rule: 'below floor', floor: 20, unit: 'ms' });
    expect(row(c, 'latency p99 (ms)').regressPct).toBeGreaterThan(400);
    expect(row(c, 'latency p99.9 (ms)')).toMatchObject({ ok: true, rule: 'below floor' });
    expect(c.ok).toBe(true);
    expect(renderBaseline(c).join('\n')).toMatch(/✔ default: latency p99 \(ms\) 0\.70 → 4\.38 \(\+525\.7% worse, lower is better; 3\.68 ms worse is within the 20 ms noise floor\)/);
  });

  it('fails a slowdown beyond the tolerance and the floor, and says so', () => {
    const base = runOf({ count: 300, p50: 0.42, p90: 0.58, p99: 0.7, p999: 0.83 });
    const kafka = runOf({ count: 300, p50: 480, p90: 900, p99: 990, p999: 1000 });
    const c = compareToBaseline(base, kafka, 'b', 400);
    expect(c.ok).toBe(false);
    expect(row(c, 'latency p50 (ms)')).toMatchObject({ ok: false, rule: 'regressed' });
    expect(row(c, 'latency p90 (ms)')).toMatchObject({ ok: false, rule: 'regressed' });
    // 300 samples: p99 is the third slowest, p99.9 the slowest; decided by a few messages, not gated
    expect(row(c, 'latency p99 (ms)')).toMatchObject({ ok: true, rule: 'few samples' });
    expect(renderBaseline(c).find((l) => l.includes('p50'))).toMatch(/^ {2}✖ default: latency p50 \(ms\) 0\.42 → 480(\.00)? .*regressed: beyond the 400% tolerance and the 2 ms noise floor\)$/);
  });

  it('needs both the tolerance and the floor: each alone lets a measure pass', () => {
    const base = runOf({ count: 100_000, p50: 2, p99: 20 });
    // +18 ms on p99 is +90%: beyond a 10% tolerance, within the 20 ms floor
    expect(row(compareToBaseline(base, runOf({ count: 100_000, p50: 2, p99: 38 }), 'b', 10), 'latency p99 (ms)')).toMatchObject({ ok: true, rule: 'below floor', worse: 18 });
    // +25 ms: beyond both
    expect(row(compareToBaseline(base, runOf({ count: 100_000, p50: 2, p99: 45 }), 'b', 10), 'latency p99 (ms)')).toMatchObject({ ok: false, rule: 'regressed', worse: 25 });
    // +25 ms is +125%: within a 200% tolerance
    expect(row(compareToBaseline(base, runOf({ count: 100_000, p50: 2, p99: 45 }), 'b', 200), 'latency p99 (ms)')).toMatchObject({ ok: true, rule: 'within tolerance' });
    // better is never a regression
    expect(row(compareToBaseline(base, runOf({ count: 100_000, p50: 1, p99: 5 }), 'b', 10), 'latency p50 (ms)')).toMatchObject({ ok: true, rule: 'not worse' });
  });

  it('with --repeat on both sides, fails only when the ranges are apart', () => {
    const base = runOf({ count: 5000, p50: 10 }, [{ count: 5000, p50: 8 }, { count: 5000, p50: 10 }, { count: 5000, p50: 30 }]);
    const overlapping = runOf({ count: 5000, p50: 25 }, [{ count: 5000, p50: 20 }, { count: 5000, p50: 25 }, { count: 5000, p50: 40 }]);
    expect(row(compareToBaseline(base, overlapping, 'b', 10), 'latency p50 (ms)')).toMatchObject({ ok: true, rule: 'within spread' });
    const apart = runOf({ count: 5000, p50: 45 }, [{ count: 5000, p50: 35 }, { count: 5000, p50: 45 }, { count: 5000, p50: 50 }]);
    expect(row(compareToBaseline(base, apart, 'b', 10), 'latency p50 (ms)')).toMatchObject({ ok: false, rule: 'regressed' });
    // a single run on one side has no spread: tolerance and floor decide
    expect(row(compareToBaseline(runOf({ count: 5000, p50: 10 }), overlapping, 'b', 10), 'latency p50 (ms)')).toMatchObject({ ok: false, rule: 'regressed' });
  });

  it('gives each kind of measure its floor', () => {
    const floors = Object.fromEntries(
      ['latency p50 (ms)', 'latency p90 (ms)', 'latency p99.9 (ms)', 'publishAckP50', 'chatP99DuringStormMs', 'slo@500', 'recoverMs', 'subscribeMs@1000', 'setupUsPerChannel', 'localIndexMsPerMsg', 'redisMemoryDeltaBytes', 'bytesPerDelivered', 'rssMB@100', 'peakConnectsPerSec', 'publishesPerMsg@100', 'reconnects'].map((m) => {
        const f = noiseFloorOf(m);
        return [m, `${f.floor}${f.unit ? ` ${f.unit}` : ''}`];
      }),
    );
    expect(floors).toEqual({
      'latency p50 (ms)': '2 ms', 'latency p90 (ms)': '5 ms', 'latency p99.9 (ms)': '20 ms', publishAckP50: '2 ms', chatP99DuringStormMs: '20 ms', 'slo@500': '20 ms',
      recoverMs: '25 ms', 'subscribeMs@1000': '25 ms', setupUsPerChannel: '100 µs', localIndexMsPerMsg: '0.05 ms', redisMemoryDeltaBytes: '65536 bytes', bytesPerDelivered: '16 bytes',
      'rssMB@100': '16 MB', peakConnectsPerSec: '5 /s', 'publishesPerMsg@100': '0.5', reconnects: '5',
    });
  });

  it('reads the tolerance', () => {
    expect(parseTolerance('10%')).toBe(10);
    expect(parseTolerance('2.5')).toBe(2.5);
    expect(() => parseTolerance('ten')).toThrow(/--max-regress/);
  });
});

import { describe, expect, it } from 'vitest';
import { fixtureRunResult } from '../../test/fixtures/run-result.js';
import { withRepeats } from '../../test/fixtures/repeats.js';
import { compareContext, compareRuns, renderCompareMarkdown, renderCompareTable, splitCompareRows } from './compare.js';

const ESC = '\u001b[';

describe('compareRuns', () => {
  const a = fixtureRunResult();
  const b = fixtureRunResult();
  // Run B: the no-jitter variant got a little better, full-jitter is unchanged.
  b.variants[0]!.latency.p99 = 206;
  b.variants[0]!.measures['deliveriesPerSec'] = 96_000;

  it('pairs variants by name and gives a, b, delta and ratio per measure', () => {
    const rows = compareRuns(a, b);
    const p99 = rows.find((r) => r.variant === 'no-jitter' && r.measure === 'latency p99 (ms)')!;
    expect(p99).toMatchObject({ a: 412, b: 206, delta: -206, ratio: 0.5 });
    const thr = rows.find((r) => r.variant === 'no-jitter' && r.measure === 'deliveriesPerSec')!;
    expect(thr).toMatchObject({ a: 95_580, b: 96_000, delta: 420, better: 'higher' });
    const same = rows.find((r) => r.variant === 'full-jitter' && r.measure === 'lost')!;
    expect(same).toMatchObject({ a: 0, b: 0, delta: 0, ratio: 1, winner: null });
    expect(new Set(rows.map((r) => r.variant))).toEqual(new Set(['no-jitter', 'full-jitter']));
  });

  it('marks no winner between single runs: one run has no spread', () => {
    expect(compareRuns(a, b).filter((r) => r.winner !== null)).toEqual([]);
  });

  it('marks a winner only when both runs repeated and their ranges are apart', () => {
    const ra = withRepeats(fixtureRunResult(), 0, [400, 412, 430]);
    const apart = withRepeats(fixtureRunResult(), 0, [200, 206, 215]);
    const overlap = withRepeats(fixtureRunResult(), 0, [200, 206, 450]);
    const p99 = (x: typeof ra, y: typeof ra) => compareRuns(x, y).find((r) => r.variant === 'no-jitter' && r.measure === 'latency p99 (ms)')!;
    expect(p99(ra, apart)).toMatchObject({ a: 412, b: 206, winner: 'b', spreadB: { median: 206, min: 200, max: 215, n: 3 } });
    expect(p99(ra, overlap)).toMatchObject({ a: 412, b: 206, winner: null });
  });

  it('compares two single-variant runs even when their variants are named differently', () => {
    const one = { ...a, variants: [a.variants[0]!] };
    const two = { ...b, variants: [{ ...b.variants[1]!, name: 'default' }] };
    const rows = compareRuns(one, two);
    expect(rows[0]!.variant).toBe('no-jitter ↔ default');
    expect(rows.find((r) => r.measure === 'reconnectPeakPerSec')).toMatchObject({ a: 4800, b: 610 });
  });

  it('returns nothing for runs with no variant in common', () => {
    const other = { ...b, variants: b.variants.map((v) => ({ ...v, name: `${v.name}-x` })) };
    expect(compareRuns(a, other)).toEqual([]);
    expect(renderCompareTable([], { a: 'A', b: 'B' }, false)).toContain('no variants in common');
    expect(compareContext(a, other)).toMatchObject({ onlyA: ['variant no-jitter', 'variant full-jitter'], onlyB: ['variant no-jitter-x', 'variant full-jitter-x'] });
  });

  it('collapses rows equal in both runs (zeros included) into one line', () => {
    const { differing, equal } = splitCompareRows(compareRuns(a, b));
    expect(differing.map((r) => `${r.variant} ${r.measure}`)).toEqual(['no-jitter latency p99 (ms)', 'no-jitter deliveriesPerSec']);
    expect(equal.some((r) => r.measure === 'lost' && r.a === 0)).toBe(true);
    const text = renderCompareTable(compareRuns(a, b), { a: 'run-a', b: 'run-b' }, false);
    // one line for all of them; a measure equal in every variant is named once
    const line = text.split('\n').find((l) => l.startsWith('equal in both: '))!;
    expect(line).toContain('duplicatesRaw 4,122');
    expect(line).toContain('no-jitter: lost 3');
    expect(line).toContain('full-jitter: lost 0');
    expect(text.split('\n').filter((l) => l.includes('duplicatesRaw'))).toHaveLength(1);
  });

  it('gives both runs’ threshold verdicts and warns when their parameters differ', () => {
    const c = fixtureRunResult();
    c.variants[1]!.params['clients'] = 500;
    c.variants[1]!.thresholds[1] = { name: 'p99 < 250', limit: 250, value: 300, ok: false };
    delete c.variants[1]!.measures['gatewayCpuPeakPct'];
    const ctx = compareContext(a, c);
    expect(ctx.overall).toEqual({ a: 'FAIL (3/6 thresholds hold)', b: 'FAIL (2/6 thresholds hold)' });
    expect(ctx.verdicts.find((v) => v.variant === 'full-jitter' && v.threshold === 'p99 < 250')).toEqual({ variant: 'full-jitter', threshold: 'p99 < 250', a: { value: 96, ok: true }, b: { value: 300, ok: false } });
    expect(ctx.paramDiffs).toEqual(['clients: 10000 (A) vs 500 (B) in full-jitter']);
    expect(ctx.onlyA).toEqual(['full-jitter: gatewayCpuPeakPct']);
    const text = renderCompareTable(compareRuns(a, c), { a: 'run-a', b: 'run-b' }, false, ctx);
    expect(text).toContain('full-jitter: p99 < 250  A ✔ 96  B ✖ 300');
    expect(text).toContain('⚠ the runs differ in their parameters, so a difference may come from them: clients: 10000 (A) vs 500 (B) in full-jitter');
    expect(text).toContain('only in A: full-jitter: gatewayCpuPeakPct');
    // thresholds holding in both runs are counted, not listed
    expect(text).toContain('  the other 2 hold in both');
    expect(text).not.toContain('full-jitter: lost == 0');
    // the same difference in every variant is said once
    c.variants[0]!.params['clients'] = 500;
    expect(compareContext(a, c).paramDiffs).toEqual(['clients: 10000 (A) vs 500 (B)']);
  });

  it('renders a terminal table with short column labels, coloured only when asked and only for a measured winner', () => {
    const ra = withRepeats(fixtureRunResult(), 0, [400, 412, 430]);
    const rb = withRepeats(fixtureRunResult(), 0, [200, 206, 215]);
    const rows = compareRuns(ra, rb);
    const plain = renderCompareTable(rows, { a: 'run-a', b: 'run-b' }, false);
    expect(plain).not.toContain(ESC);
    expect(plain.split('\n').slice(0, 2)).toEqual(['A = run-a', 'B = run-b']);
    expect(plain.split('\n').find((l) => l.startsWith('variant'))!.split(/\s{2,}/)).toEqual(['variant', 'measure', 'A', 'B', 'Δ', 'B/A']);
    const line = plain.split('\n').find((l) => l.startsWith('no-jitter') && l.includes('p99 ms'))!;
    expect(line.split(/\s{2,}/)).toEqual(['no-jitter', 'p99 ms', '412 (400–430)', '206 (200–215)', '-206', '0.5×']);
    const coloured = renderCompareTable(rows, { a: 'run-a', b: 'run-b' }, true);
    const p99 = coloured.split('\n').find((l) => l.includes('p99 ms') && l.startsWith('no-jitter'))!;
    expect(p99).toMatch(/\u001b\[31m *412 \(400–430\)\u001b\[39m/); // the worse side red
    expect(p99).toMatch(/\u001b\[32m *206 \(200–215\)\u001b\[39m/); // the better green
  });

  it('renders Markdown that bolds only a better value', () => {
    const md = renderCompareMarkdown(compareRuns(a, b), { a: 'run-a', b: 'run|b' });
    expect(md).toContain('**A** = run-a · **B** = run\\|b');
    expect(md).toContain('| variant | measure | A | B | Δ | B/A |');
    // one run each: different, but nothing is called better
    expect(md).toContain('| no-jitter | p99 ms | 412 | 206 | -206 | 0.5× |');
    expect(md).not.toMatch(/\*\*\d/);
    const ra = withRepeats(fixtureRunResult(), 0, [400, 412, 430]);
    const rb = withRepeats(fixtureRunResult(), 0, [200, 206, 215]);
    const md2 = renderCompareMarkdown(compareRuns(ra, rb), { a: 'run-a', b: 'run-b' });
    expect(md2).toContain('| no-jitter | p99 ms | 412 (400–430) | **206 (200–215)** | -206 | 0.5× |');
    expect(md2.match(/\*\*\d/g)).toHaveLength(1);
  });
});

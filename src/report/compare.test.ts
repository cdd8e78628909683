import { describe, expect, it } from 'vitest';
import { fixtureRunResult } from '../../test/fixtures/run-result.js';
import { compareRuns, renderCompareMarkdown, renderCompareTable } from './compare.js';

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
    expect(p99).toMatchObject({ a: 412, b: 206, delta: -206, ratio: 0.5, winner: 'b' });
    const thr = rows.find((r) => r.variant === 'no-jitter' && r.measure === 'deliveriesPerSec')!;
    expect(thr).toMatchObject({ a: 95_580, b: 96_000, delta: 420, better: 'higher', winner: 'b' });
    const same = rows.find((r) => r.variant === 'full-jitter' && r.measure === 'lost')!;
    expect(same).toMatchObject({ a: 0, b: 0, delta: 0, ratio: 1, winner: null });
    expect(new Set(rows.map((r) => r.variant))).toEqual(new Set(['no-jitter', 'full-jitter']));
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
  });

  it('renders a terminal table, coloured only when asked', () => {
    const rows = compareRuns(a, b);
    const plain = renderCompareTable(rows, { a: 'run-a', b: 'run-b' }, false);
    expect(plain).not.toContain(ESC);
    const line = plain.split('\n').find((l) => l.startsWith('no-jitter') && l.includes('latency p99'))!;
    expect(line.split(/\s{2,}/)).toEqual(['no-jitter', 'latency p99 (ms)', '412', '206', '-206', '0.50×']);
    const coloured = renderCompareTable(rows, { a: 'run-a', b: 'run-b' }, true);
    const p99 = coloured.split('\n').find((l) => l.includes('latency p99') && l.startsWith('no-jitter'))!;
    expect(p99).toMatch(/\u001b\[31m *412\u001b\[39m/); // the worse side red
    expect(p99).toMatch(/\u001b\[32m *206\u001b\[39m/); // the better green
  });

  it('renders Markdown with the better value in bold', () => {
    const md = renderCompareMarkdown(compareRuns(a, b), { a: 'run-a', b: 'run|b' });
    expect(md).toContain('| variant | measure | run-a | run\\|b | Δ (b−a) | b/a |');
    expect(md).toContain('| no-jitter | latency p99 (ms) | 412 | **206** | -206 | 0.50× |');
    expect(md).toContain('| no-jitter | deliveriesPerSec ↑ | 95,580 | **96,000** | +420 | 1.00× |');
  });
});

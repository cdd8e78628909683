import { Chalk } from 'chalk';
import type { RunResult } from '../scenario/index.js';
import { escapeMdCell as esc, fmtNum, fmtRatio, mdTable, ratioOf } from './format.js';
import { variantMeasures } from './measures.js';

export interface CompareRow {
  /** Variant name in run A (and B, unless both runs had one variant under different names). */
  variant: string;
  measure: string;
  a: number | null;
  b: number | null;
  /** b − a */
  delta: number | null;
  /** b / a */
  ratio: number | null;
  better: 'lower' | 'higher';
  /** Which run did better on this measure; null when equal or not comparable. */
  winner: 'a' | 'b' | null;
}

/**
 * Pairs variants by name; two single-variant runs are compared even when their variants are
 * named differently (a run with `--set backoff=x` against one without is the common case).
 */
export function compareRuns(a: RunResult, b: RunResult): CompareRow[] {
  const pairs =
    a.variants.length === 1 && b.variants.length === 1
      ? [[a.variants[0]!, b.variants[0]!] as const]
      : a.variants.flatMap((va) => {
          const vb = b.variants.find((v) => v.name === va.name);
          return vb ? [[va, vb] as const] : [];
        });
  const rows: CompareRow[] = [];
  for (const [va, vb] of pairs) {
    const mb = new Map(variantMeasures(vb).map((m) => [m.key, m]));
    const variant = va.name === vb.name ? va.name : `${va.name} ↔ ${vb.name}`;
    for (const ma of variantMeasures(va)) {
      const other = mb.get(ma.key);
      if (!other) continue;
      const x = ma.value;
      const y = other.value;
      const delta = x === null || y === null ? null : y - x;
      let winner: CompareRow['winner'] = null;
      if (delta !== null && delta !== 0) winner = (delta < 0) === (ma.better === 'lower') ? 'b' : 'a';
      rows.push({ variant, measure: ma.label, a: x, b: y, delta, ratio: ratioOf(y, x), better: ma.better, winner });
    }
  }
  return rows;
}

const fmtDelta = (d: number | null) => (d === null ? '—' : d > 0 ? `+${fmtNum(d)}` : fmtNum(d));

/** Plain table for a terminal; colour marks the better side green and the worse red. */
export function renderCompareTable(rows: CompareRow[], labels: { a: string; b: string }, color: boolean): string {
  const c = new Chalk({ level: color ? 1 : 0 });
  const head = ['variant', 'measure', labels.a, labels.b, 'Δ (b−a)', 'b/a'];
  const cells = rows.map((r) => [r.variant, r.measure, fmtNum(r.a), fmtNum(r.b), fmtDelta(r.delta), fmtRatio(r.ratio)]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const pad = (s: string, i: number) => (i < 2 ? s.padEnd(widths[i]!) : s.padStart(widths[i]!));
  const lines = [c.bold(head.map(pad).join('  ')), c.dim(widths.map((w) => '─'.repeat(w)).join('  '))];
  rows.forEach((r, k) => {
    const row = cells[k]!.map(pad);
    const paint = (side: 'a' | 'b') => (r.winner === null ? (s: string) => s : r.winner === side ? c.green : c.red);
    row[2] = paint('a')(row[2]!);
    row[3] = paint('b')(row[3]!);
    lines.push(row.join('  '));
  });
  if (rows.length === 0) lines.push(c.yellow('no variants in common: nothing to compare'));
  return lines.join('\n');
}

export function renderCompareMarkdown(rows: CompareRow[], labels: { a: string; b: string }): string {
  const body = rows.map((r) => [
    esc(r.variant),
    `${esc(r.measure)}${r.better === 'higher' ? ' ↑' : ''}`,
    r.winner === 'a' ? `**${fmtNum(r.a)}**` : fmtNum(r.a),
    r.winner === 'b' ? `**${fmtNum(r.b)}**` : fmtNum(r.b),
    fmtDelta(r.delta),
    fmtRatio(r.ratio),
  ]);
  const table = mdTable(['variant', 'measure', esc(labels.a), esc(labels.b), 'Δ (b−a)', 'b/a'], body, ['l', 'l', 'r', 'r', 'r', 'r']);
  return `${table}\n\nLower is better unless marked ↑; the better value is in bold.\n`;
}

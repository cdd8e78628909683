import { Chalk } from 'chalk';
import { judge, spreadOf, type RunResult, type Spread, type VariantResult } from '../scenario/index.js';
import { escapeMdCell as esc, fmtNum, fmtRatio, mdTable, ratioOf } from './format.js';
import { allThresholds, variantMeasures, verdictOf } from './measures.js';

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
  /** Each run's spread over its repeats (n = 1 for a single run). */
  spreadA: Spread | null;
  spreadB: Spread | null;
  /** Which run did better: only when both repeated and their ranges are apart; null otherwise. */
  winner: 'a' | 'b' | null;
}

/**
 * Pairs variants by name; two single-variant runs are compared even when their variants are
 * named differently (a run with `--set backoff=x` against one without is the common case).
 */
function pairs(a: RunResult, b: RunResult): Array<readonly [VariantResult, VariantResult]> {
  if (a.variants.length === 1 && b.variants.length === 1) return [[a.variants[0]!, b.variants[0]!]];
  return a.variants.flatMap((va) => {
    const vb = b.variants.find((v) => v.name === va.name);
    return vb ? [[va, vb] as const] : [];
  });
}

const pairName = (va: VariantResult, vb: VariantResult) => (va.name === vb.name ? va.name : `${va.name} ↔ ${vb.name}`);

export function compareRuns(a: RunResult, b: RunResult): CompareRow[] {
  const rows: CompareRow[] = [];
  for (const [va, vb] of pairs(a, b)) {
    const mb = new Map(variantMeasures(vb).map((m) => [m.key, m]));
    for (const ma of variantMeasures(va)) {
      const other = mb.get(ma.key);
      if (!other) continue;
      const x = ma.value;
      const y = other.value;
      const spreadA = x === null ? null : ma.group === 'checker' ? point(x) : (spreadOf(va, ma.key) ?? point(x));
      const spreadB = y === null ? null : other.group === 'checker' ? point(y) : (spreadOf(vb, ma.key) ?? point(y));
      const j = ma.group === 'checker' ? null : judge([spreadA, spreadB], ma.better);
      const winner = j?.kind === 'better' ? (j.best === 0 ? 'a' : 'b') : null;
      rows.push({ variant: pairName(va, vb), measure: ma.label, a: x, b: y, delta: x === null || y === null ? null : y - x, ratio: ratioOf(y, x), better: ma.better, spreadA, spreadB, winner });
    }
  }
  return rows;
}

const point = (v: number): Spread => ({ median: v, min: v, max: v, n: 1 });

/** Everything `report compare` says besides the rows: verdicts, differing parameters, what only one run has. */
export interface CompareContext {
  verdicts: Array<{ variant: string; threshold: string; a: { value: number | null; ok: boolean } | null; b: { value: number | null; ok: boolean } | null }>;
  overall: { a: string; b: string };
  /** `messages: 20 (A) vs 50 (B)` */
  paramDiffs: string[];
  /** `variant hybrid`, `measure inbox: lastRecipientP99@1000` */
  onlyA: string[];
  onlyB: string[];
}

export function compareContext(a: RunResult, b: RunResult): CompareContext {
  const ta = allThresholds(a);
  const tb = allThresholds(b);
  const keyOf = (t: { variant: string; name: string }) => `${t.variant}\u0000${t.name}`;
  const keys = [...new Set([...ta, ...tb].map(keyOf))];
  const verdicts = keys.map((k) => {
    const x = ta.find((t) => keyOf(t) === k);
    const y = tb.find((t) => keyOf(t) === k);
    const t = (x ?? y)!;
    return { variant: t.variant, threshold: t.name, a: x ? { value: x.value, ok: x.ok } : null, b: y ? { value: y.value, ok: y.ok } : null };
  });
  const overall = (r: RunResult) => `${verdictOf(r).toUpperCase()} (${allThresholds(r).filter((t) => t.ok).length}/${allThresholds(r).length} thresholds hold)`;
  const paramDiffs: string[] = [];
  if (a.scenario !== b.scenario) paramDiffs.push(`scenario: ${a.scenario} (A) vs ${b.scenario} (B)`);
  const pr = pairs(a, b);
  // one line per differing parameter value; named per variant only when not every pair differs alike
  const diffs = new Map<string, string[]>();
  for (const [va, vb] of pr) {
    for (const k of [...new Set([...Object.keys(va.params), ...Object.keys(vb.params)])]) {
      const x = va.params[k];
      const y = vb.params[k];
      if (String(x) === String(y)) continue;
      const line = `${k}: ${x === undefined ? '—' : String(x)} (A) vs ${y === undefined ? '—' : String(y)} (B)`;
      diffs.set(line, [...(diffs.get(line) ?? []), pairName(va, vb)]);
    }
  }
  for (const [line, where] of diffs) paramDiffs.push(where.length === pr.length ? line : `${line} in ${where.join(', ')}`);
  const ra = a.variants.map((v) => v.repeats?.length ?? 1);
  const rb = b.variants.map((v) => v.repeats?.length ?? 1);
  if (Math.max(...ra, 1) !== Math.max(...rb, 1)) paramDiffs.push(`repeats: ${Math.max(...ra, 1)} (A) vs ${Math.max(...rb, 1)} (B)`);
  const paired = new Set(pr.flatMap(([x, y]) => [`a:${x.name}`, `b:${y.name}`]));
  const onlyA = a.variants.filter((v) => !paired.has(`a:${v.name}`)).map((v) => `variant ${v.name}`);
  const onlyB = b.variants.filter((v) => !paired.has(`b:${v.name}`)).map((v) => `variant ${v.name}`);
  for (const [va, vb] of pr) {
    const ka = new Set(variantMeasures(va).map((m) => m.label));
    const kb = new Set(variantMeasures(vb).map((m) => m.label));
    onlyA.push(...[...ka].filter((k) => !kb.has(k)).map((k) => `${pairName(va, vb)}: ${k}`));
    onlyB.push(...[...kb].filter((k) => !ka.has(k)).map((k) => `${pairName(va, vb)}: ${k}`));
  }
  return { verdicts, overall: { a: overall(a), b: overall(b) }, paramDiffs, onlyA, onlyB };
}

/** Rows equal in both runs (zeros included) collapse into one line; the others stay rows. */
export function splitCompareRows(rows: CompareRow[]): { differing: CompareRow[]; equal: CompareRow[] } {
  const same = (r: CompareRow) => r.a !== null && r.a === r.b && (!r.spreadA || r.spreadA.min === r.spreadA.max) && (!r.spreadB || r.spreadB.min === r.spreadB.max);
  return { differing: rows.filter((r) => !same(r)), equal: rows.filter(same) };
}

/** `latency p99 (ms)` → `p99 ms`: column-friendly. */
const short = (label: string) => label.replace(/^latency (p[\d.]+|max) \(ms\)$/, '$1 ms').replace(/^latency samples$/, 'samples');
const cell = (s: Spread | null, v: number | null) => (s && s.n > 1 && s.min !== s.max ? `${fmtNum(s.median)} (${fmtNum(s.min)}–${fmtNum(s.max)})` : fmtNum(v));
const fmtDelta = (d: number | null) => (d === null ? '—' : d > 0 ? `+${fmtNum(d)}` : fmtNum(d));
const mark = (t: { value: number | null; ok: boolean } | null) => (t === null ? '—' : `${t.ok ? '✔' : '✖'} ${fmtNum(t.value)}`);
/** `lost 0 · duplicates 0 · inbox: sent 60`: one entry per measure when every variant has the same value, else per variant. */
function equalText(equal: CompareRow[], all: CompareRow[]): string {
  const variants = new Set(all.map((r) => r.variant)).size;
  const byMeasure = new Map<string, CompareRow[]>();
  for (const r of equal) byMeasure.set(r.measure, [...(byMeasure.get(r.measure) ?? []), r]);
  return [...byMeasure.entries()]
    .flatMap(([measure, rs]) =>
      rs.length === variants && rs.every((r) => r.a === rs[0]!.a) ? [`${short(measure)} ${fmtNum(rs[0]!.a)}`] : rs.map((r) => `${r.variant}: ${short(measure)} ${fmtNum(r.a)}`),
    )
    .join(' · ');
}

/** Thresholds broken (or missing) in either run are listed; those holding in both are counted. */
function splitVerdicts(ctx: CompareContext) {
  const broken = ctx.verdicts.filter((v) => !v.a?.ok || !v.b?.ok);
  return { broken, holding: ctx.verdicts.length - broken.length };
}

function notes(ctx: CompareContext, rows: CompareRow[]): string[] {
  const out: string[] = [];
  if (ctx.paramDiffs.length > 0) out.push(`⚠ the runs differ in their parameters, so a difference may come from them: ${ctx.paramDiffs.join('; ')}`);
  if (ctx.onlyA.length > 0) out.push(`only in A: ${ctx.onlyA.join(', ')}`);
  if (ctx.onlyB.length > 0) out.push(`only in B: ${ctx.onlyB.join(', ')}`);
  if (rows.some((r) => r.spreadA && r.spreadB && (r.spreadA.n < 2 || r.spreadB.n < 2)) && rows.length > 0) out.push('a run without repeats has no spread: no value is marked better (`chatlab run --repeat 3` measures it)');
  return out;
}

/** Plain text for a terminal; colour marks the better side green and the worse red. */
export function renderCompareTable(rows: CompareRow[], labels: { a: string; b: string }, color: boolean, ctx?: CompareContext): string {
  const c = new Chalk({ level: color ? 1 : 0 });
  const lines: string[] = [`A = ${labels.a}`, `B = ${labels.b}`];
  if (ctx) {
    lines.push(`verdict: A ${ctx.overall.a} · B ${ctx.overall.b}`);
    const { broken, holding } = splitVerdicts(ctx);
    for (const v of broken) lines.push(`  ${v.variant}: ${v.threshold}  A ${mark(v.a)}  B ${mark(v.b)}`);
    if (broken.length > 0 && holding > 0) lines.push(`  the other ${holding} hold in both`);
    lines.push(...notes(ctx, rows).map((n) => (n.startsWith('⚠') ? c.yellow(n) : n)));
  }
  if (rows.length === 0) {
    lines.push(c.yellow('no variants in common: nothing to compare'));
    return lines.join('\n');
  }
  const { differing, equal } = splitCompareRows(rows);
  const oneVariant = new Set(rows.map((r) => r.variant)).size === 1;
  const head = [...(oneVariant ? [] : ['variant']), 'measure', 'A', 'B', 'Δ', 'B/A'];
  const cells = differing.map((r) => [...(oneVariant ? [] : [r.variant]), short(r.measure) + (r.better === 'higher' ? ' ↑' : ''), cell(r.spreadA, r.a), cell(r.spreadB, r.b), fmtDelta(r.delta), fmtRatio(r.ratio)]);
  const text = oneVariant ? 1 : 2;
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const pad = (s: string, i: number) => (i < text ? s.padEnd(widths[i]!) : s.padStart(widths[i]!));
  lines.push(c.bold(head.map(pad).join('  ')), c.dim(widths.map((w) => '─'.repeat(w)).join('  ')));
  differing.forEach((r, k) => {
    const row = cells[k]!.map(pad);
    const paint = (side: 'a' | 'b') => (r.winner === null ? (s: string) => s : r.winner === side ? c.green : c.red);
    row[text] = paint('a')(row[text]!);
    row[text + 1] = paint('b')(row[text + 1]!);
    lines.push(row.join('  '));
  });
  if (equal.length > 0) lines.push(c.dim(`equal in both: ${equalText(equal, rows)}`));
  return lines.join('\n');
}

export function renderCompareMarkdown(rows: CompareRow[], labels: { a: string; b: string }, ctx?: CompareContext): string {
  const out: string[] = [`**A** = ${esc(labels.a)} · **B** = ${esc(labels.b)}`];
  if (ctx) {
    out.push(`Verdict: A ${ctx.overall.a} · B ${ctx.overall.b}`);
    const { broken, holding } = splitVerdicts(ctx);
    if (broken.length > 0) out.push(mdTable(['variant', 'threshold', 'A', 'B'], broken.map((v) => [esc(v.variant), `\`${esc(v.threshold)}\``, mark(v.a), mark(v.b)])));
    if (broken.length > 0 && holding > 0) out.push(`The other ${holding} thresholds hold in both.`);
    out.push(...notes(ctx, rows).map((n) => `> ${esc(n)}`));
  }
  if (rows.length === 0) return `${[...out, '_No variants in common: nothing to compare._'].join('\n\n')}\n`;
  const { differing, equal } = splitCompareRows(rows);
  const oneVariant = new Set(rows.map((r) => r.variant)).size === 1;
  const body = differing.map((r) => [
    ...(oneVariant ? [] : [esc(r.variant)]),
    `${esc(short(r.measure))}${r.better === 'higher' ? ' ↑' : ''}`,
    r.winner === 'a' ? `**${cell(r.spreadA, r.a)}**` : cell(r.spreadA, r.a),
    r.winner === 'b' ? `**${cell(r.spreadB, r.b)}**` : cell(r.spreadB, r.b),
    fmtDelta(r.delta),
    fmtRatio(r.ratio),
  ]);
  const head = [...(oneVariant ? [] : ['variant']), 'measure', 'A', 'B', 'Δ', 'B/A'];
  if (body.length > 0) out.push(mdTable(head, body, head.map((_, i) => (i < head.length - 4 ? 'l' : 'r'))));
  if (equal.length > 0) out.push(`Equal in both: ${esc(equalText(equal, rows))}`);
  out.push('Lower is better unless marked ↑; bold marks a better value (both runs repeated, their ranges apart).');
  return `${out.join('\n\n')}\n`;
}

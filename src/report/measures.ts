import { LEAK_MEASURES, judge, judgementText, spreadOf, winnersOf, type RunResult, type Spread, type VariantResult } from '../scenario/index.js';
import { ratioOf } from './format.js';

/**
 * The flat list of numbers a variant is compared on: checker counts, latency percentiles
 * and every scenario measure. One definition, so the Markdown, HTML and `compare` tables
 * always agree on names and on which direction is better.
 */
export interface Measure {
  key: string;
  group: 'checker' | 'latency' | 'measure';
  /** Shown to people; latency keys carry their unit. */
  label: string;
  value: number | null;
  better: 'lower' | 'higher';
}

const CHECKER_KEYS = [
  ['sent', 'higher'],
  ['acked', 'higher'],
  ['expectedDeliveries', 'higher'],
  ['delivered', 'higher'],
  ['lost', 'lower'],
  ['duplicates', 'lower'],
  ['duplicatesRaw', 'lower'],
  ['reassigned', 'lower'],
  ['reordered', 'lower'],
  ['late', 'lower'],
  ['deliveredUnacked', 'lower'],
  ['unexpected', 'lower'],
  ['leaks', 'lower'],
  ...Object.values(LEAK_MEASURES).map((k) => [k, 'lower'] as const),
] as const;

const LATENCY_KEYS = ['p50', 'p90', 'p99', 'p999', 'max'] as const;
const LATENCY_LABEL: Record<(typeof LATENCY_KEYS)[number], string> = { p50: 'p50', p90: 'p90', p99: 'p99', p999: 'p99.9', max: 'max' };

export function variantMeasures(v: VariantResult): Measure[] {
  const out: Measure[] = [];
  for (const [key, better] of CHECKER_KEYS) {
    const value = (v.checker as unknown as Record<string, unknown>)[key];
    // reports written before leaks were counted per channel have no such rows
    if (value === undefined && key !== 'leaks' && key.startsWith('leaks')) continue;
    out.push({ key: `checker.${key}`, group: 'checker', label: key, value: typeof value === 'number' ? value : null, better });
  }
  out.push({ key: 'checker.ackedNotStored', group: 'checker', label: 'ackedNotStored', value: v.checker.hot?.ackedNotStored ?? null, better: 'lower' });
  out.push({ key: 'checker.storedNotPushed', group: 'checker', label: 'storedNotPushed', value: v.checker.hot?.storedNotPushed ?? null, better: 'lower' });
  out.push({ key: 'latency.count', group: 'latency', label: 'latency samples', value: v.latency.count, better: 'higher' });
  for (const k of LATENCY_KEYS) {
    out.push({ key: `latency.${k}`, group: 'latency', label: `latency ${LATENCY_LABEL[k]} (ms)`, value: v.latency[k], better: 'lower' });
  }
  for (const [name, value] of Object.entries(v.measures ?? {})) {
    out.push({ key: `measures.${name}`, group: 'measure', label: name, value, better: v.better?.[name] === 'higher' ? 'higher' : 'lower' });
  }
  return out;
}

export interface SideBySideRow {
  key: string;
  label: string;
  group: Measure['group'];
  better: 'lower' | 'higher';
  /** One per variant, in the run's variant order (folded over repeats: counts summed, the rest medians). */
  values: Array<number | null>;
  /** Each variant's spread over its repeats (n = 1 when it ran once). */
  spreads: Array<Spread | null>;
  /** The better variant, only when the repeats' ranges are apart (src/scenario/spread.ts). */
  best: number | null;
  /** Every variant called better (the best and any tied with it). */
  winners: number[];
  /** `full-jitter better`, `no difference measured`, `equal`, `one run each: spread unknown`. */
  verdict: string;
  /** values[i] / values[0] for i ≥ 1 (index 0 is always null). */
  ratios: Array<number | null>;
}

/** Rows in first-seen order over all variants, so a measure only one variant has still shows. */
export function sideBySide(result: RunResult): SideBySideRow[] {
  const perVariant = result.variants.map((v) => new Map(variantMeasures(v).map((m) => [m.key, m])));
  const order: Measure[] = [];
  const seen = new Set<string>();
  for (const map of perVariant) {
    for (const m of map.values()) {
      if (!seen.has(m.key)) {
        seen.add(m.key);
        order.push(m);
      }
    }
  }
  const names = result.variants.map((v) => v.name);
  return order.map((m) => {
    const values = perVariant.map((map) => map.get(m.key)?.value ?? null);
    const spreads = result.variants.map((v, i) => (values[i] === null ? null : (spreadOf(v, m.key) ?? { median: values[i]!, min: values[i]!, max: values[i]!, n: 1 })));
    const j = judge(spreads, m.better);
    return {
      key: m.key,
      label: m.label,
      group: m.group,
      better: m.better,
      values,
      spreads,
      best: j.kind === 'better' ? j.best : null,
      winners: winnersOf(j),
      verdict: judgementText(j, names),
      ratios: values.map((v, i) => (i === 0 ? null : ratioOf(v, values[0] ?? null))),
    };
  });
}

/** Rows whose values are the same in every variant (and every repeat) go into one line; the rest stay rows. */
export function splitEqual(rows: SideBySideRow[]): { differing: SideBySideRow[]; equal: SideBySideRow[] } {
  // With one variant "the same everywhere" says nothing: only its zeros collapse.
  const isEqual = (r: SideBySideRow) =>
    r.values.length > 0 && r.values.every((v) => v !== null && v === r.values[0]) && r.spreads.every((s) => !s || s.min === s.max) && (r.values.length > 1 || r.values[0] === 0);
  return { differing: rows.filter((r) => !isEqual(r)), equal: rows.filter(isEqual) };
}

/** `lost 0 · duplicates 0 · sent 120`: the collapsed line. */
export function equalLine(rows: SideBySideRow[], fmt: (v: number | null) => string): string {
  return rows.map((r) => `${r.label} ${fmt(r.values[0] ?? null)}`).join(' · ');
}

export interface ThresholdRow {
  variant: string;
  name: string;
  limit: number;
  value: number | null;
  ok: boolean;
}

export function allThresholds(result: RunResult): ThresholdRow[] {
  return result.variants.flatMap((v) => v.thresholds.map((t) => ({ variant: v.name, ...t })));
}

/** One row per threshold, one cell per variant (null: that variant had no such check, e.g. a guard that held). */
export function thresholdGrid(result: RunResult): Array<{ name: string; limit: number; cells: Array<{ value: number | null; ok: boolean } | null> }> {
  const names = [...new Set(result.variants.flatMap((v) => v.thresholds.map((t) => t.name)))];
  return names.map((name) => {
    const first = result.variants.flatMap((v) => v.thresholds).find((t) => t.name === name)!;
    return { name, limit: first.limit, cells: result.variants.map((v) => v.thresholds.find((t) => t.name === name) ?? null) };
  });
}

export type Verdict = 'pass' | 'fail' | 'error';

export function verdictOf(result: RunResult): Verdict {
  if (result.error) return 'error';
  return result.ok && allThresholds(result).every((t) => t.ok) ? 'pass' : 'fail';
}

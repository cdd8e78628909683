import type { CheckerResult } from './checker/index.js';
import type { LatencySummary } from '../core/index.js';

/**
 * The noise of a measure across the repeats of a variant (`chatlab run --repeat N`), and the
 * one rule every report uses to call a winner: only when the runs' ranges do not overlap.
 */
export interface Spread {
  median: number;
  min: number;
  max: number;
  /** Runs the spread is taken over (1: one run, so no spread is known). */
  n: number;
}

/** What one run of a variant holds (a repeat, or the variant itself when it ran once). */
export interface RunValues {
  checker: CheckerResult;
  latency: LatencySummary;
  measures: Record<string, number>;
}

/** `checker.lost`, `latency.p99`, `measures.recoverMs` (or a bare measure name) → the number, or null. */
export function valueAt(run: RunValues, key: string): number | null {
  const dot = key.indexOf('.');
  const group = dot > 0 ? key.slice(0, dot) : '';
  const name = key.slice(dot + 1);
  let v: unknown;
  if (group === 'checker') v = name === 'ackedNotStored' || name === 'storedNotPushed' ? run.checker.hot?.[name] : (run.checker as unknown as Record<string, unknown>)[name];
  else if (group === 'latency') v = (run.latency as unknown as Record<string, unknown>)[name];
  else if (group === 'measures') v = run.measures?.[name];
  else v = run.measures?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function spreadOfValues(values: number[]): Spread | null {
  if (values.length === 0) return null;
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), n: values.length };
}

/** The spread of one measure of a variant over its repeats; a variant run once has n = 1. */
export function spreadOf(v: RunValues & { repeats?: RunValues[] }, key: string): Spread | null {
  const runs = v.repeats && v.repeats.length > 0 ? v.repeats : [v];
  const values = runs.map((r) => valueAt(r, key)).filter((x): x is number => x !== null);
  return spreadOfValues(values);
}

export type Judgement =
  /** `best` (with `tied`, whose ranges overlap its own) is better than every other, their ranges apart. */
  | { kind: 'better'; best: number; tied?: number[] }
  /** The ranges overlap: the runs cannot tell the variants apart. */
  | { kind: 'no-difference' }
  /** Every variant has the same value in every run. */
  | { kind: 'equal' }
  /** Some variant ran once: there is no spread to judge by. */
  | { kind: 'one-run' }
  /** Only one of several variants has the measure (search's local-only and cloud-only ones): nothing to compare. */
  | { kind: 'only-one'; index: number };

/**
 * Which variant is better on one measure. A winner needs at least two runs of each and a
 * best median whose min–max range does not overlap any other variant's range.
 */
export function judge(spreads: Array<Spread | null>, better: 'lower' | 'higher'): Judgement {
  const known = spreads.map((s, i) => ({ s, i })).filter((x): x is { s: Spread; i: number } => x.s !== null);
  if (known.length === 1 && spreads.length > 1) return { kind: 'only-one', index: known[0]!.i };
  if (known.length < 2) return { kind: 'equal' };
  const first = known[0]!.s;
  if (known.every(({ s }) => s.min === first.min && s.max === first.max && s.min === s.max)) return { kind: 'equal' };
  if (known.some(({ s }) => s.n < 2)) return { kind: 'one-run' };
  const best = known.reduce((a, b) => ((better === 'lower' ? b.s.median < a.s.median : b.s.median > a.s.median) ? b : a));
  const beats = (x: Spread, y: Spread) => (better === 'lower' ? x.max < y.min : x.min > y.max);
  // the leaders: the best and whoever its range overlaps; they win together if they beat all the rest
  const leaders = known.filter(({ s }) => !beats(best.s, s));
  if (leaders.length === known.length) return { kind: 'no-difference' };
  const rest = known.filter((k) => !leaders.includes(k));
  if (!rest.every(({ s }) => leaders.every((l) => beats(l.s, s)))) return { kind: 'no-difference' };
  return { kind: 'better', best: best.i, ...(leaders.length > 1 ? { tied: leaders.filter((l) => l.i !== best.i).map((l) => l.i) } : {}) };
}

/** Every variant the judgement calls better (the best and those tied with it). */
export function winnersOf(j: Judgement): number[] {
  return j.kind === 'better' ? [j.best, ...(j.tied ?? [])].sort((a, b) => a - b) : [];
}

/** Text for a judgement, the same in every report. */
export function judgementText(j: Judgement, names: string[]): string {
  switch (j.kind) {
    case 'better':
      return j.tied ? `${[j.best, ...j.tied].sort((a, b) => a - b).map((i) => names[i] ?? '?').join(' and ')} better (no difference between them)` : `${names[j.best] ?? '?'} better`;
    case 'no-difference':
      return 'no difference measured';
    case 'equal':
      return 'equal';
    case 'one-run':
      return 'one run each: spread unknown';
    case 'only-one':
      return `${names[j.index] ?? '?'} only`;
  }
}

/** A latency percentile from few samples is the maximum: say so instead of printing it as a p99. */
export function smallSampleNote(count: number, what = 'samples'): string | null {
  if (count <= 0) return null;
  if (count < 100) return `${count.toLocaleString('en-US')} ${what}: p99 is the maximum`;
  if (count < 1000) return `${count.toLocaleString('en-US')} ${what}: p99.9 is the maximum`;
  return null;
}

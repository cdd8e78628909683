import { ChatlabError, ErrorCodes } from '../core/index.js';
import type { BaselineComparison, BaselineRule, RunResult } from '../scenario/index.js';
import { compareRuns } from './compare.js';
import { variantMeasures } from './measures.js';

/** `10%`, `10`, `0.5%` → 10, 10, 0.5. */
export function parseTolerance(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*%?$/.exec(text.trim());
  if (!m) throw new ChatlabError(ErrorCodes.CONFIG, `--max-regress: expected a percentage such as 10% (got "${text}")`);
  return Number(m[1]);
}

/** Latency percentiles and the scenario's own measures are gated; counts are the thresholds' job, max is one sample. */
const GATED = (key: string) => /^latency\.p(50|90|99|999)$/.test(key) || (key.startsWith('measures.') && key !== 'measures.peakConnections');

/**
 * The noise floor: how much worse a measure must be, in its own unit, before its percentage
 * counts. Identical runs on a shared machine differ by about this much (a scheduler slice or a
 * GC pause lands in a tail, a shared Redis's memory moves by tens of KiB). First match wins, on
 * the measure's label (`latency p99 (ms)`, or the scenario's measure name). docs/thresholds.md
 * lists them.
 */
export const NOISE_FLOORS: ReadonlyArray<{ match: RegExp; floor: number; unit: string }> = [
  // rates and costs per unit before the durations: `localIndexMsPerMsg` is a cost, `peakSyncPerSec` a rate
  { match: /PerSec/, floor: 5, unit: '/s' },
  { match: /^latency p50 |P50/i, floor: 2, unit: 'ms' },
  { match: /^latency p90 /, floor: 5, unit: 'ms' },
  { match: /^latency p99|P99|P999|slo/i, floor: 20, unit: 'ms' },
  { match: /Us(Per|@|$)/, floor: 100, unit: 'µs' },
  { match: /MsPer/, floor: 0.05, unit: 'ms' },
  { match: /bytesPer|BytesPer/, floor: 16, unit: 'bytes' },
  { match: /bytes/i, floor: 64 * 1024, unit: 'bytes' },
  { match: /MB(@|$)/, floor: 16, unit: 'MB' },
  { match: /Ms(@|$)/, floor: 25, unit: 'ms' },
  { match: /Per|Reduction/, floor: 0.5, unit: '' },
];
/** Anything else is a count (reconnects, open files, events): a handful either way is chance. */
const COUNT_FLOOR = { floor: 5, unit: '' };

export const noiseFloorOf = (measure: string): { floor: number; unit: string } => NOISE_FLOORS.find((f) => f.match.test(measure)) ?? COUNT_FLOOR;

/**
 * Samples a latency percentile needs beyond it before it is gated: with fewer, the percentile is
 * one of a handful of slowest samples (p99 of 300 messages is the third slowest), and which
 * message drew a scheduler slice decides it.
 */
export const TAIL_SAMPLES = 10;
const QUANTILE: Record<string, number> = { 'latency p50 (ms)': 0.5, 'latency p90 (ms)': 0.9, 'latency p99 (ms)': 0.99, 'latency p99.9 (ms)': 0.999 };

/**
 * The regression gate: each gated measure of `run` against `base`, in its better direction. A
 * measure regresses only when every rule says so: worse by more than `maxRegressPct` percent
 * (tolerance), by more than its noise floor (floor), a latency percentile with at least
 * `TAIL_SAMPLES` samples beyond it in both runs (samples), and, when both runs were repeated,
 * with ranges apart — the new run's best repeat worse than the baseline's worst (spread). Each
 * row says which rule decided it (`rule`).
 */
export function compareToBaseline(base: RunResult, run: RunResult, baselinePath: string, maxRegressPct: number): BaselineComparison {
  const gated = new Set(run.variants.flatMap((v) => variantMeasures(v).filter((m) => GATED(m.key)).map((m) => m.label)));
  const all = compareRuns(base, run);
  const samples = new Map(all.filter((r) => r.measure === 'latency samples').map((r) => [r.variant, Math.min(r.a ?? 0, r.b ?? 0)]));
  const rows = all
    .filter((r) => gated.has(r.measure))
    .map((r) => {
      const worse = r.a === null || r.b === null ? null : r.better === 'lower' ? r.b - r.a : r.a - r.b;
      const regressPct = worse === null || r.a === null ? null : r.a === 0 ? (worse > 0 ? Infinity : 0) : (worse / Math.abs(r.a)) * 100;
      const { floor, unit } = noiseFloorOf(r.measure);
      const q = QUANTILE[r.measure];
      const beyond = q === undefined ? Infinity : Math.floor((samples.get(r.variant) ?? 0) * (1 - q));
      const apart = r.spreadA && r.spreadB && r.spreadA.n > 1 && r.spreadB.n > 1 ? (r.better === 'lower' ? r.spreadB.min > r.spreadA.max : r.spreadB.max < r.spreadA.min) : undefined;
      const rule: BaselineRule =
        worse === null || regressPct === null ? 'missing'
        : worse <= 0 ? 'not worse'
        : regressPct <= maxRegressPct ? 'within tolerance'
        : worse <= floor ? 'below floor'
        : beyond < TAIL_SAMPLES ? 'few samples'
        : apart === false ? 'within spread'
        : 'regressed';
      return { variant: r.variant, measure: r.measure, baseline: r.a, value: r.b, better: r.better, regressPct, worse, floor, unit, rule, ok: rule !== 'regressed' };
    });
  if (rows.length === 0) throw new ChatlabError(ErrorCodes.CONFIG, `--baseline ${baselinePath}: no variant in common with this run (baseline: ${base.scenario} ${base.variants.map((v) => v.name).join(', ')})`);
  return { baseline: baselinePath, maxRegressPct, rows, ok: rows.every((r) => r.ok) };
}

/** Why a row passed or failed, in words (the terminal and the Markdown report). */
function ruleText(r: BaselineComparison['rows'][number], maxRegressPct: number): string {
  const amount = (n: number) => `${Number.isInteger(n) ? n : n.toPrecision(3)}${r.unit ? ` ${r.unit}` : ''}`;
  switch (r.rule) {
    case 'regressed':
      return `regressed: beyond the ${maxRegressPct}% tolerance and the ${amount(r.floor ?? 0)} noise floor`;
    case 'below floor':
      return `${amount(r.worse ?? 0)} worse is within the ${amount(r.floor ?? 0)} noise floor`;
    case 'few samples':
      return `fewer than ${TAIL_SAMPLES} samples beyond this percentile: not gated`;
    case 'within spread':
      return "within the repeats' spread (the ranges overlap)";
    case 'within tolerance':
      return `within the ${maxRegressPct}% tolerance`;
    case 'not worse':
      return 'not worse';
    default:
      return 'missing on one side';
  }
}

/** Lines for the terminal (and the Markdown report): worst first. */
export function renderBaseline(c: BaselineComparison): string[] {
  const fmt = (n: number | null) => (n === null ? '—' : Number.isInteger(n) ? String(n) : n.toFixed(2));
  const pct = (p: number | null) => (p === null ? '—' : p === Infinity ? '+∞%' : `${p > 0 ? '+' : ''}${p.toFixed(1)}%`);
  const rows = [...c.rows].sort((a, b) => Number(a.ok) - Number(b.ok) || (b.regressPct ?? -Infinity) - (a.regressPct ?? -Infinity));
  return [
    `baseline ${c.baseline} (max regress ${c.maxRegressPct}%): ${c.ok ? 'no regression' : `${c.rows.filter((r) => !r.ok).length} measure(s) regressed`}`,
    ...rows.map((r) => `  ${r.ok ? '✔' : '✖'} ${r.variant}: ${r.measure} ${fmt(r.baseline)} → ${fmt(r.value)} (${pct(r.regressPct)} worse, ${r.better} is better; ${r.rule === undefined ? '' : ruleText(r, c.maxRegressPct)})`),
  ];
}

import { ChatlabError, ErrorCodes } from '../core/index.js';
import type { BaselineComparison, RunResult } from '../scenario/index.js';
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
 * How much worse a measure must be, in its own unit, before a percentage counts: one unit
 * (1 ms, one event), and 64 KiB for bytes, whose deltas on a shared Redis or JVM move by tens
 * of KiB between identical runs (hot-path's redisMemoryDeltaBytes went -6 KiB → +34 KiB).
 */
export const noiseFloorOf = (measure: string): number => (/bytes/i.test(measure) ? 64 * 1024 : 1);

/**
 * The regression gate: each gated measure of `run` against `base`, in its better direction.
 * A measure regresses when it is worse by more than `maxRegressPct` percent and by more than
 * its noise floor (`noiseFloorOf`), so jitter on tiny values does not fail a build.
 */
export function compareToBaseline(base: RunResult, run: RunResult, baselinePath: string, maxRegressPct: number): BaselineComparison {
  const gated = new Set(run.variants.flatMap((v) => variantMeasures(v).filter((m) => GATED(m.key)).map((m) => m.label)));
  const rows = compareRuns(base, run)
    .filter((r) => gated.has(r.measure))
    .map((r) => {
      const worse = r.a === null || r.b === null ? null : r.better === 'lower' ? r.b - r.a : r.a - r.b;
      const regressPct = worse === null || r.a === null ? null : r.a === 0 ? (worse > 0 ? Infinity : 0) : (worse / Math.abs(r.a)) * 100;
      const ok = regressPct === null || regressPct <= maxRegressPct || (worse ?? 0) <= noiseFloorOf(r.measure);
      return { variant: r.variant, measure: r.measure, baseline: r.a, value: r.b, better: r.better, regressPct, ok };
    });
  if (rows.length === 0) throw new ChatlabError(ErrorCodes.CONFIG, `--baseline ${baselinePath}: no variant in common with this run (baseline: ${base.scenario} ${base.variants.map((v) => v.name).join(', ')})`);
  return { baseline: baselinePath, maxRegressPct, rows, ok: rows.every((r) => r.ok) };
}

/** Lines for the terminal (and the Markdown report): worst first. */
export function renderBaseline(c: BaselineComparison): string[] {
  const fmt = (n: number | null) => (n === null ? '—' : Number.isInteger(n) ? String(n) : n.toFixed(2));
  const pct = (p: number | null) => (p === null ? '—' : p === Infinity ? '+∞%' : `${p > 0 ? '+' : ''}${p.toFixed(1)}%`);
  const rows = [...c.rows].sort((a, b) => (b.regressPct ?? -Infinity) - (a.regressPct ?? -Infinity));
  return [
    `baseline ${c.baseline} (max regress ${c.maxRegressPct}%): ${c.ok ? 'no regression' : `${c.rows.filter((r) => !r.ok).length} measure(s) regressed`}`,
    ...rows.map((r) => `  ${r.ok ? '✔' : '✖'} ${r.variant}: ${r.measure} ${fmt(r.baseline)} → ${fmt(r.value)} (${pct(r.regressPct)} worse, ${r.better} is better)`),
  ];
}

import type { LatencySummary } from '../core/index.js';
import type { CheckerResult } from './checker/index.js';
import type { SeriesPoint, ThresholdResult } from './result.js';

/**
 * The engine's own checks, whatever thresholds the scenario or the user chose (a verdict
 * is never vacuous, docs/architecture.md#conventions): a run whose clients never connected, or that sent and got nothing acked or
 * delivered, measured nothing and cannot pass.
 */
export function vacuousGuard(checker: CheckerResult, series: SeriesPoint[], errored: boolean): ThresholdResult[] {
  const out: ThresholdResult[] = [];
  const peak = peakConnections(series);
  if (series.length > 0) out.push({ name: 'guard: clients connected (peakConnections > 0)', limit: 0, value: peak, ok: peak > 0 });
  if (checker.sent > 0) {
    out.push({ name: 'guard: something acked (acked > 0)', limit: 0, value: checker.acked, ok: checker.acked > 0 });
    out.push({ name: 'guard: something delivered (delivered > 0)', limit: 0, value: checker.delivered, ok: checker.delivered > 0 });
  }
  if (series.length === 0 && checker.sent === 0 && !errored) out.push({ name: 'guard: the run did something (no clients, nothing sent)', limit: 0, value: 0, ok: false });
  return out.filter((g) => !g.ok);
}

export function peakConnections(series: SeriesPoint[]): number {
  return series.reduce((m, p) => Math.max(m, p.connections), 0);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Repeats of one variant folded into one: checker counts summed, latency and measures the median. */
export function foldRepeats(runs: Array<{ checker: CheckerResult; latency: LatencySummary; measures: Record<string, number> }>) {
  const first = runs[0]!;
  if (runs.length === 1) return first;
  const checker = { ...first.checker, hot: { ...first.checker.hot } };
  for (const key of Object.keys(checker) as Array<keyof CheckerResult>) {
    if (typeof checker[key] === 'number') (checker as unknown as Record<string, number>)[key] = runs.reduce((s, r) => s + (r.checker[key] as number), 0);
  }
  checker.hot = { ackedNotStored: runs.reduce((s, r) => s + r.checker.hot.ackedNotStored, 0), storedNotPushed: runs.reduce((s, r) => s + r.checker.hot.storedNotPushed, 0) };
  const latency = Object.fromEntries(Object.keys(first.latency).map((k) => [k, median(runs.map((r) => (r.latency as unknown as Record<string, number>)[k] ?? 0))])) as unknown as LatencySummary;
  const names = new Set(runs.flatMap((r) => Object.keys(r.measures)));
  const measures = Object.fromEntries([...names].map((k) => [k, median(runs.flatMap((r) => (typeof r.measures[k] === 'number' ? [r.measures[k]!] : [])))]));
  return { checker, latency, measures };
}

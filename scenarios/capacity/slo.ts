import { LATENCY_MEASURES, parseThreshold, type Threshold } from '../../src/scenario/index.js';
import type { LatencySummary } from '../../src/core/index.js';

/** Latency names an SLO may bound (docs/thresholds.md's grammar, k6 style read too). */
const BOUNDABLE = LATENCY_MEASURES.filter((n) => n !== 'count');

/**
 * `p99<50ms`, `p(99.9) <= 1s`: a latency percentile and an upper bound. Throws
 * CHATLAB_E_CONFIG (through parseThreshold) on anything else; `slo` names the flag.
 */
export function parseSlo(text: string): Threshold {
  const t = parseThreshold(text);
  if (!(BOUNDABLE as readonly string[]).includes(t.left) || (t.op !== '<' && t.op !== '<=')) {
    throw new Error(`an SLO is a latency bound: ${BOUNDABLE.join('|')} followed by < or <= and a time, e.g. p99<50ms (got "${text}")`);
  }
  return t;
}

export function holds(slo: Threshold, latency: LatencySummary): boolean {
  const v = (latency as unknown as Record<string, number>)[slo.left]!;
  return latency.count > 0 && (slo.op === '<' ? v < slo.limit : v <= slo.limit);
}

export function sloValue(slo: Threshold, latency: LatencySummary): number {
  return (latency as unknown as Record<string, number>)[slo.left]!;
}

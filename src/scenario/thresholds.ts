import { ChatlabError, ErrorCodes } from '../core/index.js';
import type { ThresholdResult, VariantResult } from './result.js';
import { LEAK_MEASURES } from './checker/index.js';

const OPS = ['<=', '>=', '==', '!=', '<', '>'] as const;
type Op = (typeof OPS)[number];

export interface Threshold {
  name: string;
  left: string;
  op: Op;
  limit: number;
}

/** Checker counts and latency fields every variant has (docs/thresholds.md lists them). */
export const CHECKER_MEASURES = ['sent', 'acked', 'expectedDeliveries', 'delivered', 'lost', 'duplicates', 'duplicatesRaw', 'reassigned', 'reordered', 'late', 'deliveredUnacked', 'deletedUndelivered', 'unexpected', 'leaks', ...Object.values(LEAK_MEASURES), 'hot.ackedNotStored', 'hot.storedNotPushed'] as const;
export const LATENCY_MEASURES = ['count', 'p50', 'p90', 'p99', 'p999', 'max'] as const;
/** Measures the engine adds to every variant. */
export const ENGINE_MEASURES = ['peakConnections'] as const;

export const THRESHOLD_GRAMMAR = 'NAME OP NUMBER[ms|s], OP one of < <= > >= == !=; k6 style p(99)<200 and p99<200ms also read';

/** k6 names: p(99) → p99, p(99.9) → p999, p(50) → p50. */
function canonicalName(name: string): string {
  const k6 = /^p\((\d+(?:\.\d+)?)\)$/.exec(name);
  if (k6) return `p${k6[1]!.replace('.', '')}`;
  return name;
}

/** A limit with an optional time unit (ms, the default, or s). */
function parseLimit(text: string): number | null {
  const m = /^(-?\d+(?:\.\d+)?)\s*(ms|s)?$/.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  return m[2] === 's' ? n * 1000 : n;
}

/** `lost == 0`, `p99 < 250`, `p(99)<200`, `p99<200ms`, `peakConnectsPerSec <= 5000`. */
export function parseThreshold(text: string): Threshold {
  for (const op of OPS) {
    const i = text.indexOf(op);
    if (i <= 0) continue;
    const left = canonicalName(text.slice(0, i).trim());
    const limit = parseLimit(text.slice(i + op.length).trim());
    if (!/^[A-Za-z][A-Za-z0-9_.@]*$/.test(left) || limit === null) break;
    return { name: `${left} ${op} ${limit}`, left, op, limit };
  }
  throw new ChatlabError(ErrorCodes.CONFIG, `--threshold "${text}" is not ${THRESHOLD_GRAMMAR}`);
}

/**
 * Whether a measure name exists for this scenario. `declared` = the scenario's own measure
 * names (a `@<n>` suffix stands for any number); without a declaration any name is allowed.
 */
export function knownMeasure(name: string, declared: readonly string[] | undefined): boolean {
  if ((CHECKER_MEASURES as readonly string[]).includes(name) || (LATENCY_MEASURES as readonly string[]).includes(name)) return true;
  if ((ENGINE_MEASURES as readonly string[]).includes(name)) return true;
  if (!declared) return true;
  return declared.some((d) => d === name || (d.includes('@<') && new RegExp(`^${d.replace(/[.]/g, '\\.').replace(/@<[^>]+>/, '@\\d+')}$`).test(name)));
}

export function allMeasures(declared: readonly string[] | undefined): string[] {
  return [...CHECKER_MEASURES, ...LATENCY_MEASURES, ...ENGINE_MEASURES, ...(declared ?? [])];
}

/**
 * A name resolves against the scenario's own measures (search's `leaks` counts search hits, not
 * the checker's deliveries), then the checker counts, then latency percentiles.
 */
export function valueOf(v: Pick<VariantResult, 'checker' | 'latency' | 'measures'>, name: string): number | null {
  if (typeof v.measures[name] === 'number') return v.measures[name]!;
  const checker = v.checker as unknown as Record<string, unknown>;
  if (typeof checker[name] === 'number') return checker[name] as number;
  if (name.startsWith('hot.')) return (v.checker.hot as Record<string, number>)[name.slice(4)] ?? null;
  const latency = v.latency as unknown as Record<string, number>;
  if (typeof latency[name] === 'number') return latency[name]!;
  return null;
}

export function evaluate(t: Threshold, v: Pick<VariantResult, 'checker' | 'latency' | 'measures'>): ThresholdResult {
  const value = valueOf(v, t.left);
  const ok =
    value !== null &&
    { '<': value < t.limit, '<=': value <= t.limit, '>': value > t.limit, '>=': value >= t.limit, '==': value === t.limit, '!=': value !== t.limit }[t.op];
  return { name: t.name, limit: t.limit, value, ok };
}

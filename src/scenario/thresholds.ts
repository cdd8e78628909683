import { ChatlabError, ErrorCodes } from '../core/index.js';
import type { ThresholdResult, VariantResult } from './result.js';

const OPS = ['<=', '>=', '==', '!=', '<', '>'] as const;
type Op = (typeof OPS)[number];

export interface Threshold {
  name: string;
  left: string;
  op: Op;
  limit: number;
}

/** `lost == 0`, `p99 < 250`, `peakConnectsPerSec <= 5000`. */
export function parseThreshold(text: string): Threshold {
  for (const op of OPS) {
    const i = text.indexOf(op);
    if (i <= 0) continue;
    const left = text.slice(0, i).trim();
    const limit = Number(text.slice(i + op.length).trim());
    if (!/^[A-Za-z][A-Za-z0-9_.]*$/.test(left) || !Number.isFinite(limit)) break;
    return { name: `${left} ${op} ${limit}`, left, op, limit };
  }
  throw new ChatlabError(ErrorCodes.CONFIG, `threshold "${text}" is not NAME OP NUMBER (ops: ${OPS.join(' ')})`);
}

/** A name resolves against the checker counts, then latency percentiles, then the scenario's measures. */
export function valueOf(v: Pick<VariantResult, 'checker' | 'latency' | 'measures'>, name: string): number | null {
  const checker = v.checker as unknown as Record<string, unknown>;
  if (typeof checker[name] === 'number') return checker[name] as number;
  if (name.startsWith('hot.')) return (v.checker.hot as Record<string, number>)[name.slice(4)] ?? null;
  const latency = v.latency as unknown as Record<string, number>;
  if (typeof latency[name] === 'number') return latency[name]!;
  return typeof v.measures[name] === 'number' ? v.measures[name]! : null;
}

export function evaluate(t: Threshold, v: Pick<VariantResult, 'checker' | 'latency' | 'measures'>): ThresholdResult {
  const value = valueOf(v, t.left);
  const ok =
    value !== null &&
    { '<': value < t.limit, '<=': value <= t.limit, '>': value > t.limit, '>=': value >= t.limit, '==': value === t.limit, '!=': value !== t.limit }[t.op];
  return { name: t.name, limit: t.limit, value, ok };
}

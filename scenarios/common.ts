import { z } from 'zod';
import { BACKOFF_POLICIES, type BackoffOptions } from '../src/client/index.js';
import { createLatencyHistogram, readProcessCpuUs } from '../src/core/index.js';

/** Parameters most scenarios share; `--set` values arrive as strings, hence coerce. */
export const backoffParams = {
  backoff: z.enum(BACKOFF_POLICIES).default('full-jitter'),
  backoffMinMs: z.coerce.number().int().min(1).default(100),
  backoffMaxMs: z.coerce.number().int().min(1).default(5000),
};

export function backoffOf(p: { backoff: BackoffOptions['policy']; backoffMinMs: number; backoffMaxMs: number }): BackoffOptions {
  return { policy: p.backoff, minMs: p.backoffMinMs, maxMs: Math.max(p.backoffMinMs, p.backoffMaxMs) };
}

export const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])]).transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');

export function userIds(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-u${i + 1}`);
}

/** Splits users into groups of `size` (the last may be smaller but at least 3, else merged). */
export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  const last = out.at(-1);
  if (out.length > 1 && last && last.length < 3) out[out.length - 2]!.push(...out.pop()!);
  return out;
}

/** Each user with the conversations they are in (optionally only those `keep` accepts). */
export function clientsFor(users: string[], convs: Array<{ conversationId: string; members: string[] }>, keep: (conversationId: string) => boolean = () => true) {
  const of = new Map<string, string[]>();
  for (const c of convs) {
    if (!keep(c.conversationId)) continue;
    for (const m of c.members) of.set(m, [...(of.get(m) ?? []), c.conversationId]);
  }
  return users.map((u) => ({ userId: u, conversations: of.get(u) ?? [] }));
}

/** CPU (µs) of these processes together, with their pids (a restarted one has a new pid); null when one cannot be read. */
export function cpuOf(pids: Array<number | undefined>): { us: number; pids: string } | null {
  if (pids.length === 0 || pids.some((p) => !p)) return null;
  const us = pids.map((p) => readProcessCpuUs(p!));
  if (us.some((u) => u === null)) return null;
  return { us: us.reduce((a, b) => a! + b!, 0)!, pids: pids.join(',') };
}

/** p50/p99 (and the rest) of some ms values, through an HDR histogram as every latency here; null for none. */
export function msSummary(ms: readonly number[]) {
  if (ms.length === 0) return null;
  const h = createLatencyHistogram();
  for (const v of ms) h.record(v * 1000);
  return h.summary();
}

export { ringPairs } from '../src/stack/index.js';

/** CPU accounting per group of processes, from core's /proc reader. */
import { readMachineBusyUs, readProcessCpuUs } from '../../src/core/index.js';
import { sleep } from './timing.js';

export type PidGroups = Record<string, number[]>;

/** CPU µs per group of processes, plus `other`: everything else the machine ran (other sessions, the kernel). */
export function sampleCpu(groups: PidGroups): Record<string, number> {
  const out: Record<string, number> = {};
  let ours = 0;
  for (const [name, pids] of Object.entries(groups)) {
    // a process that is gone counts 0, as before: its last window is lost, not the whole row
    out[name] = pids.reduce((s, p) => s + (readProcessCpuUs(p) ?? 0), 0);
    ours += out[name];
  }
  out['machine'] = readMachineBusyUs() ?? 0;
  out['other'] = out['machine'] - ours;
  return out;
}

/** % of one core each group used over `windowMs` of wall time. */
export async function cpuPercentOver(groups: PidGroups, windowMs: number): Promise<Record<string, number>> {
  const c0 = sampleCpu(groups);
  const h0 = process.hrtime.bigint();
  await sleep(windowMs);
  const c1 = sampleCpu(groups);
  const wallUs = Number(process.hrtime.bigint() - h0) / 1000;
  return Object.fromEntries(Object.keys(c1).map((k) => [k, ((c1[k]! - c0[k]!) / wallUs) * 100]));
}

/**
 * Waits (at least `pauseMs`, at most `quietWaitS`) until, over the last second, processes
 * outside the measured ones used less than `quietPct` of a core: on a shared machine, a step
 * started while someone else's build runs measures them.
 */
export async function waitQuiet(groups: PidGroups, o: { pauseMs: number; quietPct: number; quietWaitS: number }): Promise<{ waitedMs: number; otherPct: number }> {
  const t0 = Date.now();
  await sleep(Math.max(0, o.pauseMs - 1000));
  for (;;) {
    const otherPct = (await cpuPercentOver(groups, 1000))['other']!;
    if (o.quietPct <= 0 || otherPct < o.quietPct || Date.now() - t0 > o.quietWaitS * 1000) return { waitedMs: Date.now() - t0, otherPct };
  }
}

import { setTimeout as sleep } from 'node:timers/promises';
import { readProcSample, ticksToUs } from '../core/index.js';
import type { OwnedProcess } from '../infra/index.js';

/** What one process costs while the stack idles: share of one core over the window, and resident memory. */
export interface IdleCost {
  name: string;
  cpuPercent: number;
  rssMb: number;
}

/**
 * Samples each process's CPU time twice, `windowMs` apart, and its RSS at the end: the cost of
 * a node doing nothing but gossip, heartbeats and its own timers. Gone processes are left out.
 */
export async function measureIdleCost(processes: Array<Pick<OwnedProcess, 'name' | 'pid' | 'marker'>>, windowMs = 5000): Promise<IdleCost[]> {
  const before = processes.map((p) => readProcSample(p.pid, p.marker));
  const t0 = process.hrtime.bigint();
  await sleep(windowMs);
  const elapsedUs = Number(process.hrtime.bigint() - t0) / 1000;
  return processes.flatMap((p, i) => {
    const a = before[i];
    const b = readProcSample(p.pid, p.marker);
    if (!a || !b) return [];
    const cpuPercent = (100 * ticksToUs(b.cpuTicks - a.cpuTicks)) / elapsedUs;
    return [{ name: p.name, cpuPercent: Math.round(cpuPercent * 10) / 10, rssMb: Math.round((b.rssBytes ?? 0) / 2 ** 20) }];
  });
}

/** `cassandra-1  1.4% of a core  845 MB` lines, then the total. */
export function idleCostLines(costs: IdleCost[]): string[] {
  const total = costs.reduce((acc, c) => ({ cpu: acc.cpu + c.cpuPercent, rss: acc.rss + c.rssMb }), { cpu: 0, rss: 0 });
  return [
    ...costs.map((c) => `${c.name.padEnd(14)} ${`${c.cpuPercent.toFixed(1)}%`.padStart(6)} of a core  ${String(c.rssMb).padStart(5)} MB RSS`),
    `${'total'.padEnd(14)} ${`${total.cpu.toFixed(1)}%`.padStart(6)} of a core  ${String(total.rss).padStart(5)} MB RSS`,
  ];
}

import fs from 'node:fs';
import { cpuDeltaUs, readProcessCpu, readRssBytes, type CpuReading } from '../../src/core/index.js';
import { readState } from '../../src/stack/index.js';

/**
 * Per-process CPU and RSS from /proc, by the stack's process names (gateway-1, persist-worker,
 * redis, kafka, …), the way bench/fanout and the capacity probe read them.
 */
export type Names = Map<string, number>;

export function processesOf(stateDir: string): Names {
  const s = readState(stateDir);
  return new Map([...(s?.services ?? []).map((x) => [x.name, x.pid] as const), ...(s?.processes ?? []).map((p) => [p.name, p.pid] as const)]);
}

export const cpuNow = (n: Names) => new Map([...n].map(([name, pid]) => [name, readProcessCpu(pid) ?? ({ statUs: 0, schedUs: null } as CpuReading)]));
export const rssNow = (n: Names) => new Map([...n].map(([name, pid]) => [name, readRssBytes(pid) ?? 0]));

/** CPU each process used (µs) between two snapshots (exact thread sums where they hold, see cpuDeltaUs), and the wall time. */
export async function cpuOver(n: Names, fn: () => Promise<void>): Promise<{ us: Map<string, number>; wallUs: number }> {
  const a = cpuNow(n);
  const t = performance.now();
  await fn();
  const b = cpuNow(n);
  return { us: new Map([...b].map(([k, v]) => [k, cpuDeltaUs(a.get(k) ?? v, v)])), wallUs: (performance.now() - t) * 1000 };
}

/** Sum over the processes whose name starts with `prefix` (gateway-1, gateway-2 → gateway). */
export const sumOf = (m: Map<string, number>, prefix: string) => [...m].filter(([k]) => k.startsWith(prefix)).reduce((s, [, v]) => s + v, 0);

/** Bytes under a directory (a Kafka log, a data folder). */
export function duBytes(dir: string): number {
  let total = 0;
  try {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory()) total += duBytes(p);
      else if (e.isFile()) total += fs.statSync(p).size;
    }
  } catch {
    // a segment deleted while walking
  }
  return total;
}

export function loadAverage(): number[] {
  try {
    return fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
  } catch {
    return [];
  }
}

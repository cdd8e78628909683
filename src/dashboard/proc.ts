import fs from 'node:fs';

/** What /proc says about one process at one instant. */
export interface ProcSample {
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
  rssBytes: number | null;
}

/**
 * USER_HZ: the unit of /proc/<pid>/stat times. Linux fixes it at 100 on every architecture
 * Node runs on (it is an ABI constant, unlike the kernel's HZ), so no `getconf` is needed.
 */
export const CLOCK_TICKS_PER_SEC = 100;

/**
 * Fields after the command name, which sits in parentheses and may itself hold spaces or
 * parentheses: parse from the last `)`. Returns null for a zombie (killed, not yet reaped):
 * to a dashboard that process is gone.
 */
export function parseProcStat(text: string): { state: string; cpuTicks: number } | null {
  const close = text.lastIndexOf(')');
  if (close === -1) return null;
  const f = text.slice(close + 2).split(' ');
  // f[0] is field 3 (state); utime and stime are fields 14 and 15.
  const state = f[0] ?? '';
  const utime = Number(f[11]);
  const stime = Number(f[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  if (state === 'Z' || state === 'X') return null;
  return { state, cpuTicks: utime + stime };
}

export function parseVmRssBytes(status: string): number | null {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : null;
}

/**
 * Null when the process is gone, a zombie, or (given a marker) the pid now belongs to someone
 * else — pids are reused, and a reused pid must not show a killed gateway as healthy.
 */
export function readProcSample(pid: number, marker?: string, procRoot = '/proc'): ProcSample | null {
  try {
    if (marker !== undefined && !fs.readFileSync(`${procRoot}/${pid}/cmdline`, 'utf8').includes(marker)) return null;
    const stat = parseProcStat(fs.readFileSync(`${procRoot}/${pid}/stat`, 'utf8'));
    if (!stat) return null;
    let rss: number | null = null;
    try {
      rss = parseVmRssBytes(fs.readFileSync(`${procRoot}/${pid}/status`, 'utf8'));
    } catch {
      // status can vanish between the two reads; CPU is still worth showing
    }
    return { cpuTicks: stat.cpuTicks, rssBytes: rss };
  } catch {
    return null;
  }
}

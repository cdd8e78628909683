import fs from 'node:fs';

/** What /proc says about one process at one instant. */
export interface ProcSample {
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
  rssBytes: number | null;
}

/**
 * USER_HZ, what `getconf CLK_TCK` prints: the unit of the times in /proc/<pid>/stat and
 * /proc/stat. Linux fixes it at 100 on every architecture Node runs on (an ABI constant,
 * unlike the kernel's HZ), so it is not asked for at run time; proc.test.ts checks it against
 * `getconf` on the machine that runs the tests.
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

/** utime + stime of a process in µs, or null when it is gone (or a zombie). */
export function readProcessCpuUs(pid: number, procRoot = '/proc'): number | null {
  try {
    const stat = parseProcStat(fs.readFileSync(`${procRoot}/${pid}/stat`, 'utf8'));
    return stat ? ticksToUs(stat.cpuTicks) : null;
  } catch {
    return null;
  }
}

/**
 * A process's CPU read two ways: utime + stime from stat (whole ticks, 10 ms each, and it keeps
 * the time of threads that have exited), and the sum of its live threads' run time from
 * /proc/<pid>/task/<tid>/schedstat (exact to the ns, but a thread that exits takes its time
 * with it). A short window needs the second: Redis does a few ms of work a second.
 */
export interface CpuReading {
  statUs: number;
  schedUs: number | null;
}

export function readProcessCpu(pid: number, procRoot = '/proc'): CpuReading | null {
  const statUs = readProcessCpuUs(pid, procRoot);
  if (statUs === null) return null;
  let schedNs = 0;
  try {
    for (const tid of fs.readdirSync(`${procRoot}/${pid}/task`)) {
      try {
        schedNs += Number(fs.readFileSync(`${procRoot}/${pid}/task/${tid}/schedstat`, 'utf8').split(' ', 1)[0]);
      } catch {
        // the thread exited between the listing and the read
      }
    }
  } catch {
    return { statUs, schedUs: null };
  }
  return { statUs, schedUs: Number.isFinite(schedNs) ? schedNs / 1000 : null };
}

/**
 * CPU used between two readings, µs: the exact thread sum when it agrees with the tick count
 * within the ticks' truncation (under one tick at each end for each of utime and stime), the
 * tick count otherwise (a thread exited in the window and took its time out of the sum).
 */
export function cpuDeltaUs(a: CpuReading, b: CpuReading): number {
  const coarse = b.statUs - a.statUs;
  if (a.schedUs === null || b.schedUs === null) return Math.max(0, coarse);
  const fine = b.schedUs - a.schedUs;
  return Math.abs(fine - coarse) <= ticksToUs(4) ? Math.max(0, fine) : Math.max(0, coarse);
}

export function ticksToUs(ticks: number): number {
  return (ticks * 1e6) / CLOCK_TICKS_PER_SEC;
}

/**
 * Busy time of the whole machine (all cores) in µs, from the first line of /proc/stat:
 * user + nice + system + irq + softirq + steal (idle and iowait are not busy).
 */
export function parseMachineBusyTicks(procStat: string): number | null {
  const first = procStat.split('\n', 1)[0] ?? '';
  if (!first.startsWith('cpu ')) return null;
  const f = first.trim().split(/\s+/).slice(1).map(Number);
  const busy = (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
  return Number.isFinite(busy) ? busy : null;
}

export function readMachineBusyUs(procRoot = '/proc'): number | null {
  try {
    const ticks = parseMachineBusyTicks(fs.readFileSync(`${procRoot}/stat`, 'utf8'));
    return ticks === null ? null : ticksToUs(ticks);
  } catch {
    return null;
  }
}

/** VmRSS of a process in bytes, or null when it is gone. */
export function readRssBytes(pid: number, procRoot = '/proc'): number | null {
  try {
    return parseVmRssBytes(fs.readFileSync(`${procRoot}/${pid}/status`, 'utf8'));
  } catch {
    return null;
  }
}

/** The soft limit on open files of a process, or null when /proc does not say. */
export function readOpenFilesLimit(pid: number, procRoot = '/proc'): number | null {
  try {
    const m = /Max open files\s+(\d+)/.exec(fs.readFileSync(`${procRoot}/${pid}/limits`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
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

import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLOCK_TICKS_PER_SEC, cpuDeltaUs, parseMachineBusyTicks, parseProcStat, readMachineBusyUs, readOpenFilesLimit, readProcessCpu, readProcessCpuUs, readRssBytes } from './proc.js';

function getconfClkTck(): number | null {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  } catch {
    return null;
  }
}

describe('/proc reader', () => {
  it('uses the tick unit getconf CLK_TCK reports', () => {
    const fromGetconf = getconfClkTck();
    if (fromGetconf === null) return; // no getconf here: nothing to compare with
    expect(CLOCK_TICKS_PER_SEC).toBe(fromGetconf);
  });

  it('parses stat from the last parenthesis (a command name may hold spaces and parentheses)', () => {
    const line = '4242 (node (x) y) S 1 2 3 4 5 6 7 8 9 10 150 50 0 0 20 0 1 0 100 0 0';
    expect(parseProcStat(line)).toEqual({ state: 'S', cpuTicks: 200 });
    expect(parseProcStat(line.replace(') S ', ') Z '))).toBeNull();
  });

  it('counts user, nice, system, irq, softirq and steal as busy, not idle or iowait', () => {
    expect(parseMachineBusyTicks('cpu  100 2 30 5000 70 4 5 6 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n')).toBe(100 + 2 + 30 + 4 + 5 + 6);
    expect(parseMachineBusyTicks('intr 1 2 3')).toBeNull();
  });

  it('reads this process and the machine', () => {
    expect(readProcessCpuUs(process.pid)).toBeGreaterThan(0);
    expect(readRssBytes(process.pid)).toBeGreaterThan(1024 * 1024);
    expect(readOpenFilesLimit(process.pid)).toBeGreaterThan(0);
    expect(readMachineBusyUs()).toBeGreaterThan(0);
    expect(readProcessCpuUs(2 ** 30)).toBeNull();
    const r = readProcessCpu(process.pid)!;
    // the thread sum and the tick count describe the same time, within the ticks' truncation
    expect(Math.abs(r.schedUs! - r.statUs)).toBeLessThan(r.statUs * 0.2 + 50_000);
  });

  it('takes the exact thread sum over a window unless a thread exited and took its time out of it', () => {
    const a = { statUs: 1_000_000, schedUs: 1_003_000 };
    // 3 ms of work: stat moved one tick, the thread sum says 3.2 ms
    expect(cpuDeltaUs(a, { statUs: 1_010_000, schedUs: 1_006_200 })).toBeCloseTo(3200, 6);
    // a thread that used 200 ms exited: the sum fell behind stat by far more than the ticks' truncation
    expect(cpuDeltaUs(a, { statUs: 1_300_000, schedUs: 1_103_000 })).toBe(300_000);
    expect(cpuDeltaUs({ statUs: 0, schedUs: null }, { statUs: 20_000, schedUs: 5 })).toBe(20_000);
  });
});

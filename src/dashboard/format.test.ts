import { describe, expect, it } from 'vitest';
import { fixtureDashboardState } from '../../test/fixtures/dashboard-state.js';
import { fmtClock, fmtFactor, fmtShortClock, formatPlainLine, sparkline } from './format.js';
import { emptyDashboardState, mergeDashboardState, pushHistory } from './state.js';

describe('formatPlainLine', () => {
  it('gives the facts of the dashboard on one greppable line', () => {
    const s = fixtureDashboardState();
    s.thresholds = [];
    s.processes = [];
    s.connections.reconnectingPerSec = 0;
    expect(formatPlainLine(s)).toBe('12:41 conns=10000 sent=1204/s deliv=96310/s p99=18.4ms lag=312 lost=0 dup=0');
  });

  it('adds reconnects, broken thresholds and gone processes; leaves out what is unknown', () => {
    expect(formatPlainLine(fixtureDashboardState())).toBe(
      '12:41 conns=10000 sent=1204/s deliv=96310/s reconn=412/s p99=18.4ms lag=312 lost=0 dup=0 BROKEN="p99 < 15" down=gateway-2',
    );
    expect(formatPlainLine(emptyDashboardState())).toBe('00:00 conns=0 sent=0/s deliv=0/s');
  });
});

describe('formatting helpers', () => {
  it('draws sparklines scaled to their max, keeping the last `width` values', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7], 8)).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([5, 0, 7], 2)).toBe('▁█');
    expect(sparkline([0, 0], 5)).toBe('▁▁');
    expect(sparkline([], 5)).toBe('');
  });

  it('formats clocks and factors', () => {
    expect(fmtClock(761_000)).toBe('00:12:41');
    expect(fmtShortClock(761_000)).toBe('12:41');
    expect(fmtShortClock(4_361_000)).toBe('1:12:41');
    expect(fmtFactor(2100, 120)).toBe('18×');
    expect(fmtFactor(30, 12)).toBe('2.5×');
    expect(fmtFactor(10, 0)).toBeNull();
  });

  it('merges partial updates per section and caps histories', () => {
    const s = mergeDashboardState(emptyDashboardState(), { latency: { p99: 12 }, processes: [{ name: 'g', cpuPct: 1, rssMB: 2, conns: 3, health: 'healthy' }] });
    expect(s.latency).toEqual({ p50: null, p99: 12, p999: null, max: null, p99History: [] });
    expect(s.processes).toHaveLength(1);
    let h: number[] = [];
    for (let i = 0; i < 70; i++) h = pushHistory(h, i);
    expect(h).toHaveLength(60);
    expect(h[0]).toBe(10);
  });
});

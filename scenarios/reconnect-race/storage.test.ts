import { describe, expect, it } from 'vitest';
import { peakReadsPerSec, syncedAfterMs, type ReadsSample } from './storage.js';

const sample = (gateway: string, at: number, total: number): ReadsSample => ({ at, gateway, total, active: 0, waiting: 0, peak: 0, max: 16 });
const second = (at: number, connected: number, syncing = 0, waiting = 0) => ({ at, totals: { connected, syncing, waiting } as never });

describe('peakReadsPerSec', () => {
  it('sums the gateways round by round and keeps the highest rate', () => {
    const rounds = [
      [sample('g1', 0, 100), sample('g2', 0, 50)],
      [sample('g1', 1000, 400), sample('g2', 1000, 250)], // 300 + 200 in 1 s
      [sample('g1', 2000, 500), sample('g2', 2000, 260)],
    ];
    expect(peakReadsPerSec(rounds)).toBe(500);
  });

  it('counts a restarted gateway from zero and skips one missing from the round before', () => {
    const rounds = [
      [sample('g1', 0, 900)],
      [sample('g1', 1000, 30), sample('g2', 1000, 10_000)], // g1 restarted: 30; g2 unseen before
    ];
    expect(peakReadsPerSec(rounds)).toBe(30);
  });
});

describe('syncedAfterMs', () => {
  it('times from the fault to the first second all are back with no sync in flight, after the storm began', () => {
    const seconds = [second(900, 10), second(1500, 10), second(2500, 4), second(3500, 10, 3), second(4500, 10), second(5500, 10)];
    expect(syncedAfterMs(seconds, 10, 1000)).toBe(3500);
  });

  it('is 0 when nobody went out of sync, -1 when not all came back', () => {
    expect(syncedAfterMs([second(1500, 10), second(2500, 10)], 10, 1000)).toBe(0);
    expect(syncedAfterMs([second(1500, 10), second(2500, 9, 0, 1)], 10, 1000)).toBe(-1);
  });
});

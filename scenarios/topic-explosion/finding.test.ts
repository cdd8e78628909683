import { describe, expect, it } from 'vitest';
import { explosionFinding, type StepRow } from './finding.js';

const cost = (rssMB: number, files: number, maps: number) => ({ rssBytes: rssMB * 2 ** 20, openFiles: files, openFilesLimit: 20_000, mappings: maps });
const row = (n: number, p99: number | null, extra: Partial<StepRow> = {}): StepRow => ({ n, createUsPerChannel: 12_000, subscribeMs: 3000, cost: cost(500 + n / 10, 200 + n, 1000 + 2 * n), p99, lost: 0, problem: null, broken: false, ...extra });

describe('topic-explosion finding', () => {
  it('says where the router stops being usable, what a channel costs and where the limits are', () => {
    const rows = [row(1000, 40), row(5000, 1500, { problem: 'p99 1500 ms is over 1000 ms' }), row(10_000, null, { problem: '12 of 500 messages not consumed within 10 s', broken: true })];
    const f = explosionFinding('kafka', rows, cost(500, 200, 1000), { usableP99Ms: 1000, maxMapCount: 65_530 });
    expect(f.measures['usableUpTo']).toBe(1000);
    expect(f.measures['p99@1000']).toBe(40);
    expect(f.measures['openFiles@5000']).toBe(5200);
    // cost per channel from the largest finished step (5000): 1 file, 2 mappings each
    expect(f.measures['channelsAtOpenFilesLimit']).toBe(5000 + (20_000 - 5200));
    expect(f.sentence).toContain('creating a topic takes 12 ms');
    expect(f.sentence).toContain('1.00 open files each');
    expect(f.sentence).toContain('usable up to 1,000, not usable from 5,000 (p99 1500 ms is over 1000 ms), broken at 10,000 (12 of 500 messages not consumed within 10 s)');
    expect(f.sentence).toContain('open-files limit (20,000) near 19,800 channels');
    expect(f.sentence).toContain("the kernel's 65,530 memory mappings near 32,265");
  });

  it('a router that holds every step is usable up to the last, and no limit is invented without a cost', () => {
    const flat = { rssBytes: 10 * 2 ** 20, openFiles: 30, openFilesLimit: 10_000, mappings: 100, usedMemory: 1_000_000 };
    const rows = [1000, 5000].map((n) => ({ ...row(n, 2), createUsPerChannel: 0, cost: { ...flat, usedMemory: 1_000_000 + 80 * n } }));
    const f = explosionFinding('pubsub', rows, flat, { usableP99Ms: 1000, maxMapCount: 65_530 });
    expect(f.measures['usableUpTo']).toBe(5000);
    expect(f.sentence).toContain('a channel costs nothing to create; 80 bytes of Redis memory each');
    expect(f.sentence).toContain('usable at every step up to 5,000');
    expect(f.sentence).not.toContain('limit');
    expect(f.measures['channelsAtOpenFilesLimit']).toBeUndefined();
  });

  it('no usable step: usableUpTo 0, so the default threshold fails', () => {
    const f = explosionFinding('kafka', [row(1000, null, { problem: 'creating took over 600 s', broken: true })], cost(500, 200, 1000), { usableP99Ms: 1000, maxMapCount: null });
    expect(f.measures['usableUpTo']).toBe(0);
    expect(f.sentence).toContain('not usable from 1,000 (creating took over 600 s)');
  });
});

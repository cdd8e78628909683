import { describe, expect, it } from 'vitest';
import type { PresenceScripts } from '../store/index.js';
import type { Announcement, Announcer } from './announcer.js';
import { PresenceEngine } from './engine.js';
import type { PresenceMetrics } from './metrics.js';

const count = { inc: () => {} };
const metrics = { events: count, writes: count, flaps: count } as unknown as PresenceMetrics;

describe('PresenceEngine announcements', () => {
  it('a batch whose announce failed goes out again on the next tick, ahead of newer changes', async () => {
    const published: string[][] = [];
    let failures = 1;
    const announcer = {
      announce: async (list: readonly Announcement[]) => {
        if (failures-- > 0) throw new Error('redis away');
        published.push(list.map((a) => `${a.userId}:${a.status}`));
        return list.length;
      },
    } as unknown as Announcer;
    const scripts = { claim: async (users: string[]) => users.map((userId) => ({ userId, at: 1 })) } as unknown as PresenceScripts;
    const engine = new PresenceEngine(scripts, announcer, metrics);
    const failed: number[] = [];
    engine.onAnnounceFailed = (_err, n) => failed.push(n);

    await engine.claimAndAnnounce([{ userId: 'a', due: 1 }]);
    expect(published).toEqual([]);
    expect(failed).toEqual([1]);

    await engine.retryFailed();
    expect(published).toEqual([['a:offline']]);
    await engine.retryFailed(); // nothing owed any more
    await engine.claimAndAnnounce([{ userId: 'b', due: 2 }]);
    expect(published).toEqual([['a:offline'], ['b:offline']]);
  });
});

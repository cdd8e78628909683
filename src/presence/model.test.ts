import { describe, expect, it } from 'vitest';
import { decodePresenceEvent, encodePresenceEvent } from './codec.js';
import { PresenceModel, lastSeenWriteNeeded } from './model.js';

describe('lazy last-seen write', () => {
  it('writes a new socket, skips a fresh one, rewrites a stale one', () => {
    expect(lastSeenWriteNeeded(undefined, 1000, 5000)).toBe(true);
    expect(lastSeenWriteNeeded(1000, 5999, 5000)).toBe(false);
    expect(lastSeenWriteNeeded(1000, 6000, 5000)).toBe(true);
    // an event older than the stored time (reordered) never moves it back
    expect(lastSeenWriteNeeded(9000, 8000, 5000)).toBe(false);
  });

  it('20 heartbeats a second apart cost 1 insert + 3 refreshes with a 5 s threshold', () => {
    const m = new PresenceModel(5000);
    let writes = 0;
    for (let t = 0; t <= 19_000; t += 1000) if (m.touch('u', 's', t).wrote) writes++;
    expect(writes).toBe(4); // t=0, 5000, 10000, 15000
    expect(m.sockets.get('u|s')).toBe(15_000);
  });
});

describe('online while any socket is connected', () => {
  it('announces online on the first socket and offline (pending) on the last', () => {
    const m = new PresenceModel(5000);
    expect(m.touch('u', 'a', 0)).toEqual({ wrote: true, cameOnline: true, flap: false });
    expect(m.touch('u', 'b', 10)).toEqual({ wrote: true, cameOnline: false, flap: false });
    expect(m.leave('u', 'a', { at: 20, due: 1020 })).toEqual({ wrote: true, wentOffline: false });
    expect(m.online('u')).toBe(true);
    expect(m.leave('u', 'b', { at: 30, due: 1030 })).toEqual({ wrote: true, wentOffline: true });
    expect(m.online('u')).toBe(false);
    expect(m.leave('u', 'b', { at: 40, due: 1040 })).toEqual({ wrote: false, wentOffline: false });
  });
});

describe('flap suppression', () => {
  it('an offline is announced only once its window ends, with the time they left', () => {
    const m = new PresenceModel(5000);
    m.touch('u', 'a', 0);
    m.leave('u', 'a', { at: 100, due: 1100 });
    expect(m.dueOffline(1099)).toEqual([]);
    expect(m.dueOffline(1100)).toEqual(['u']);
    expect(m.claim('u')).toBe(100);
    expect(m.claim('u')).toBeNull(); // exactly one claimant wins
  });

  it('a reconnect within the window cancels the offline and is not announced as online', () => {
    const m = new PresenceModel(5000);
    m.touch('u', 'a', 0);
    m.leave('u', 'a', { at: 100, due: 1100 });
    expect(m.touch('u', 'b', 600)).toEqual({ wrote: true, cameOnline: true, flap: true });
    expect(m.dueOffline(5000)).toEqual([]);
    expect(m.claim('u')).toBeNull();
  });

  it('a reconnect after the offline was announced is a real online', () => {
    const m = new PresenceModel(5000);
    m.touch('u', 'a', 0);
    m.leave('u', 'a', { at: 100, due: 1100 });
    expect(m.claim('u')).toBe(100);
    expect(m.touch('u', 'b', 2000)).toEqual({ wrote: true, cameOnline: true, flap: false });
  });

  it('the sweep does not remove a socket seen after its cutoff', () => {
    const m = new PresenceModel(0);
    m.touch('u', 'a', 0);
    m.touch('u', 'a', 20_000);
    expect(m.leave('u', 'a', { due: 20_001, maxScore: 15_000 })).toEqual({ wrote: false, wentOffline: false });
    expect(m.leave('u', 'a', { due: 40_001, maxScore: 25_000 })).toEqual({ wrote: true, wentOffline: true });
    expect(m.claim('u')).toBe(20_000); // offline at the last time it was seen
  });
});

describe('presence event codec', () => {
  it('round-trips and rejects foreign entries', () => {
    const e = { kind: 'heartbeat' as const, userId: 'u-1', socketId: 'gateway-1:7', at: 1234 };
    expect(decodePresenceEvent(encodePresenceEvent(e))).toEqual(e);
    expect(decodePresenceEvent(['e', 'x', 'u', 'a', 's', 'b', 't', '1'])).toBeNull();
    expect(decodePresenceEvent(['e', 'c', 'u', 'a', 's', 'b'])).toBeNull();
  });
});

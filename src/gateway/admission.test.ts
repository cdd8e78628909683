import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { encodeControl, encodeRouted, messageFrameJson, redisKeys, type MemberChangeControl } from '../store/index.js';
import { admitUser, type AdmissionDeps } from './admission.js';
import type { CachedConversations } from './context.js';
import type { GatewayMetrics } from './metrics.js';
import { MembershipRouting } from './membership-routing.js';
import { Router } from './router.js';

const keys = redisKeys('t:');
const tick = () => new Promise((r) => setImmediate(r));

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A gateway's routing on a subscriber that answers at once (or refuses, when told). */
function gateway(opts: { refuse?: boolean } = {}) {
  const sub = new EventEmitter() as EventEmitter & { subscribe(...c: string[]): Promise<void>; unsubscribe(...c: string[]): Promise<void> };
  sub.subscribe = () => (opts.refuse ? Promise.reject(new Error('connection lost')) : Promise.resolve());
  sub.unsubscribe = () => Promise.resolve();
  const router = new Router(sub as unknown as Redis, keys, { deliveries: { record() {} }, subscriptionChanges: { inc() {} } } as unknown as GatewayMetrics);
  const resynced: string[] = [];
  const routing = new MembershipRouting({
    router,
    conversations: { applyChange() {} } as unknown as CachedConversations,
    redis: { xrange: async () => [] } as unknown as Redis,
    keys,
    policy: { routing: 'hybrid', groupThreshold: 2 },
    resync: (s) => resynced.push(s.id),
    log() {},
  });
  const deliver = (channel: string, payload: string) => sub.emit('messageBuffer', Buffer.from(channel), Buffer.from(payload));
  return { router, routing, deliver, resynced };
}

const deps = (router: Router, largeGroupsOf: AdmissionDeps['largeGroupsOf'], cap = 16): AdmissionDeps => ({ router, cap, largeGroupsOf, draining: () => false, log() {} });
const change = (c: Partial<MemberChangeControl>): MemberChangeControl => ({ op: 'member', conversationId: 'c', change: 'left', userIds: ['u'], ids: ['2'], from: '0', to: '2', sizeBefore: 4, sizeAfter: 3, ...c });
const message = (id: string) => messageFrameJson(JSON.stringify({ conversationId: 'c', messageId: id, senderId: 'a', clientMsgId: `m${id}`, body: 'x', sentAt: 1 }));

describe('admitUser', () => {
  it('60 concurrent admissions of one user while its groups are read: exactly the cap get a place', async () => {
    const { router } = gateway();
    const groups = deferred<string[]>();
    const outcomes = Array.from({ length: 60 }, () => admitUser(deps(router, () => groups.promise), 'u'));
    groups.resolve([]);
    const results = await Promise.all(outcomes);
    expect(results.filter((r) => r === null)).toHaveLength(16);
    expect(results.filter((r) => r === 429)).toHaveLength(44);
    expect(router.countOf('u')).toBe(16);
  });

  it('a place whose routing failed is given back before the 503', async () => {
    const { router } = gateway({ refuse: true });
    expect(await admitUser(deps(router, async () => ['c']), 'u')).toBe(503);
    expect(router.countOf('u')).toBe(0);
    expect(router.localUsers()).toEqual([]);
  });

  it('a "left" handled while the groups were read: the new socket is not routed to the group', async () => {
    const { router, deliver } = gateway();
    const reads = [deferred<string[]>(), deferred<string[]>()];
    let n = 0;
    const admitted = admitUser(deps(router, () => reads[n++]!.promise), 'u');
    await tick();
    deliver(keys.memberChanges, encodeControl(change({ change: 'left' })));
    reads[0]!.resolve(['c']); // read before the change
    await tick();
    reads[1]!.resolve([]); // read again
    expect(await admitted).toBeNull();
    const got: Buffer[] = [];
    router.add({ id: 's1', userId: 'u', pushWire: (w) => got.push(w) });
    deliver(keys.group('c'), encodeRouted('gw:9', message('3'), 1));
    expect(got).toHaveLength(0);
  });

  it('a "joined" handled while the groups were read: the new socket is routed to the group', async () => {
    const { router, deliver } = gateway();
    // another member's socket holds the channel here already
    await router.reserve('v', ['c']);
    router.add({ id: 'sv', userId: 'v', pushWire() {} });
    const reads = [deferred<string[]>(), deferred<string[]>()];
    let n = 0;
    const admitted = admitUser(deps(router, () => reads[n++]!.promise), 'u');
    await tick();
    deliver(keys.memberChanges, encodeControl(change({ change: 'joined', sizeBefore: 3, sizeAfter: 4 })));
    reads[0]!.resolve([]); // read before the change
    await tick();
    reads[1]!.resolve(['c']);
    expect(await admitted).toBeNull();
    const got: Buffer[] = [];
    router.add({ id: 's1', userId: 'u', pushWire: (w) => got.push(w) });
    deliver(keys.group('c'), encodeRouted('gw:9', message('3'), 1));
    expect(got).toHaveLength(1);
  });

  it('a "joined" heard after the admission read its groups (before the socket opened) still routes it', async () => {
    const { router, deliver } = gateway();
    await router.reserve('v', ['c']);
    router.add({ id: 'sv', userId: 'v', pushWire() {} });
    expect(await admitUser(deps(router, async () => []), 'u')).toBeNull();
    deliver(keys.memberChanges, encodeControl(change({ change: 'joined', sizeBefore: 3, sizeAfter: 4 })));
    const got: Buffer[] = [];
    router.add({ id: 's1', userId: 'u', pushWire: (w) => got.push(w) });
    deliver(keys.group('c'), encodeRouted('gw:9', message('3'), 1));
    expect(got).toHaveLength(1);
  });
});

describe('a new large group announced on the inbox', () => {
  it('a refused SUBSCRIBE sends the sockets away to resync, and rejects nothing unhandled', async () => {
    const { router, deliver, resynced } = gateway();
    await router.reserve('u', []);
    router.add({ id: 's1', userId: 'u', pushWire() {} });
    (router as unknown as { sub: { subscribe(): Promise<void> } }).sub.subscribe = () => Promise.reject(new Error('refused'));
    deliver(keys.inbox('u'), encodeControl({ op: 'joined', conversationId: 'c', size: 5 }));
    await tick();
    await tick();
    expect(resynced).toEqual(['s1']);
  });
});

import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { deletedMember, encodeControl, encodeRouted, messageFrameJson, redisKeys, type MemberChangeControl } from '../store/index.js';
import type { CachedConversations } from './context.js';
import type { GatewayMetrics } from './metrics.js';
import { MembershipRouting } from './membership-routing.js';
import { Router } from './router.js';

const keys = redisKeys('t:');
const tick = () => new Promise((r) => setImmediate(r));

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** A subscriber whose SUBSCRIBE to a group channel completes when the test says so. */
function fakeSub() {
  const sub = new EventEmitter() as EventEmitter & { subscribe(...c: string[]): Promise<void>; unsubscribe(...c: string[]): Promise<void> };
  const groupSubscribed = deferred();
  sub.subscribe = (...channels: string[]) => (channels.some((c) => c.startsWith(keys.groupPrefix)) ? groupSubscribed.promise : Promise.resolve());
  sub.unsubscribe = () => Promise.resolve();
  const deliver = (channel: string, payload: string) => sub.emit('messageBuffer', Buffer.from(channel), Buffer.from(payload));
  return { sub, groupSubscribed, deliver };
}

const message = (id: string) => JSON.stringify({ conversationId: 'c', messageId: id, senderId: 'a', clientMsgId: `m${id}`, body: 'x', sentAt: 1 });
const ids = (wires: Buffer[]) => wires.map((w) => JSON.parse(w.subarray(2).toString()).messageId as string);

const changeEntry = ['100-0', ['f', JSON.stringify({ type: 'member', conversationId: 'c', userId: 'u', change: 'joined', messageId: '100' }), 'p', '0']];

/**
 * One socket of `u` on a gateway whose conversation `c` crosses the threshold when `u` joins
 * (change 100): `stream` is what XRANGE answers once `streamRead` lets it.
 */
async function crossing(stream: unknown[], streamRead: Promise<void> = Promise.resolve()) {
  const { sub, groupSubscribed, deliver } = fakeSub();
  const router = new Router(sub as unknown as Redis, keys, { deliveries: { record() {} }, subscriptionChanges: { inc() {} } } as unknown as GatewayMetrics);
  const wires: Buffer[] = [];
  await router.reserve('u', []);
  router.add({ id: 's1', userId: 'u', pushWire: (w) => wires.push(w) });
  const redis = { xrange: async () => (await streamRead, stream), zrangebylex: async () => [] };
  new MembershipRouting({
    router,
    conversations: { applyChange() {} } as unknown as CachedConversations,
    redis: redis as unknown as Redis,
    keys,
    policy: { routing: 'hybrid', groupThreshold: 2 },
    resync() {},
    log() {},
  });
  const control: MemberChangeControl = { op: 'member', conversationId: 'c', change: 'joined', userIds: ['u'], ids: ['100'], from: '0', to: '100', sizeBefore: 2, sizeAfter: 3, members: ['a', 'b', 'u'] };
  deliver(keys.memberChanges, encodeControl(control));
  return { wires, groupSubscribed, deliver };
}

describe('MembershipRouting: a conversation that crosses the threshold while messages flow', () => {
  it('catches a socket up from the stream, then the buffered live frames above it, then routes it live: nothing lost, nothing twice, no echo', async () => {
    const streamRead = deferred();
    // the stream as Redis has it once subscribed: the change, a message from elsewhere, one from this socket
    const { wires, groupSubscribed, deliver } = await crossing(
      [changeEntry, ['101-0', ['m', message('101'), 'p', '0', 'o', 'gw:9']], ['102-0', ['m', message('102'), 'p', '101', 'o', 's1']]],
      streamRead.promise,
    );
    // 100 and 101 were published before the SUBSCRIBE took effect: the channel never brings them
    groupSubscribed.resolve();
    await tick();
    deliver(keys.group('c'), encodeRouted('s1', messageFrameJson(message('102')), 1));
    deliver(keys.group('c'), encodeRouted('gw:9', messageFrameJson(message('103')), 1));
    expect(wires).toHaveLength(0); // still catching up
    streamRead.resolve();
    await tick();
    await tick();
    deliver(keys.group('c'), encodeRouted('gw:9', messageFrameJson(message('104')), 1));
    expect(ids(wires)).toEqual(['100', '101', '103', '104']);
  });

  it("the channel's copy of a frame read from the stream, arriving after the socket went live, is not pushed twice", async () => {
    // 101 was published after the SUBSCRIBE took effect and before the XRANGE ran: the stream has
    // it, and its channel copy trails the XRANGE reply (another connection)
    const { wires, groupSubscribed, deliver } = await crossing([changeEntry, ['101-0', ['m', message('101'), 'p', '0', 'o', 'gw:9']]]);
    groupSubscribed.resolve();
    await tick();
    await tick();
    expect(ids(wires)).toEqual(['100', '101']); // caught up and live
    deliver(keys.group('c'), encodeRouted('gw:9', messageFrameJson(message('101')), 1)); // the trailing copy
    deliver(keys.group('c'), encodeRouted('gw:9', messageFrameJson(message('102')), 1));
    deliver(keys.group('c'), encodeRouted('gw:9', messageFrameJson(message('103')), 1));
    expect(ids(wires)).toEqual(['100', '101', '102', '103']);
  });

  it('a removed member of a group-routed conversation leaves its channel before the next frame', async () => {
    const { sub, groupSubscribed, deliver } = fakeSub();
    groupSubscribed.resolve();
    const router = new Router(sub as unknown as Redis, keys, { deliveries: { record() {} }, subscriptionChanges: { inc() {} } } as unknown as GatewayMetrics);
    const got: Record<string, Buffer[]> = { u: [], v: [] };
    for (const u of ['u', 'v']) {
      await router.reserve(u, ['c']);
      router.add({ id: `s-${u}`, userId: u, pushWire: (w) => got[u]!.push(w) });
    }
    new MembershipRouting({ router, conversations: { applyChange() {} } as unknown as CachedConversations, redis: {} as Redis, keys, policy: { routing: 'hybrid', groupThreshold: 2 }, resync() {}, log() {} });
    deliver(keys.group('c'), encodeRouted('gw:9', messageFrameJson(message('1')), 1));
    deliver(keys.memberChanges, encodeControl({ op: 'member', conversationId: 'c', change: 'left', userIds: ['u'], ids: ['2'], from: '0', to: '2', sizeBefore: 4, sizeAfter: 3 }));
    deliver(keys.group('c'), encodeRouted('gw:9', messageFrameJson(message('3')), 1));
    expect(ids(got['u']!)).toEqual(['1']);
    expect(ids(got['v']!)).toEqual(['1', '3']);
  });
});

describe('MembershipRouting: a group created above the threshold', () => {
  it('a message sent before this gateway subscribed (the notice held back) reaches the member from the stream', async () => {
    const { sub, groupSubscribed, deliver } = fakeSub();
    const router = new Router(sub as unknown as Redis, keys, { deliveries: { record() {} }, subscriptionChanges: { inc() {} } } as unknown as GatewayMetrics);
    const wires: Buffer[] = [];
    await router.reserve('u', []);
    router.add({ id: 's1', userId: 'u', pushWire: (w) => wires.push(w) });
    // the creator sent 101 at once; the stream holds it, the channel will never bring it here
    const redis = { xrange: async () => [['101-0', ['m', message('101'), 'p', '0', 'o', 'gw:9']]], zrangebylex: async () => [] };
    new MembershipRouting({ router, conversations: { applyChange() {} } as unknown as CachedConversations, redis: redis as unknown as Redis, keys, policy: { routing: 'hybrid', groupThreshold: 2 }, resync() {}, log() {} });
    deliver(keys.inbox('u'), encodeControl({ op: 'joined', conversationId: 'c', size: 3 }));
    groupSubscribed.resolve();
    await tick();
    await tick();
    deliver(keys.group('c'), encodeRouted('gw:9', messageFrameJson(message('102')), 1));
    expect(ids(wires)).toEqual(['101', '102']);
  });

  it('a message deleted before the catch-up is left out of it (its entry stays in the stream)', async () => {
    const { sub, groupSubscribed, deliver } = fakeSub();
    const router = new Router(sub as unknown as Redis, keys, { deliveries: { record() {} }, subscriptionChanges: { inc() {} } } as unknown as GatewayMetrics);
    const wires: Buffer[] = [];
    await router.reserve('u', []);
    router.add({ id: 's1', userId: 'u', pushWire: (w) => wires.push(w) });
    const entries = ['101', '102', '103'].map((id) => [`${id}-0`, ['m', message(id), 'p', '0', 'o', 'gw:9']]);
    const redis = { xrange: async () => entries, zrangebylex: async (key: string) => (key === keys.deleted('c') ? [deletedMember('102')] : []) };
    new MembershipRouting({ router, conversations: { applyChange() {} } as unknown as CachedConversations, redis: redis as unknown as Redis, keys, policy: { routing: 'hybrid', groupThreshold: 2 }, resync() {}, log() {} });
    deliver(keys.inbox('u'), encodeControl({ op: 'joined', conversationId: 'c', size: 3 }));
    groupSubscribed.resolve();
    await tick();
    await tick();
    expect(ids(wires)).toEqual(['101', '103']);
  });
});

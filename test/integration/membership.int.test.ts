import { describe, expect, it } from 'vitest';
import { scrapeMetric } from '../support/ws-client.js';
import { createConversation, gateways, history, socketsPerTest, token, users } from './support.js';

const as = socketsPerTest();
const isMsg = (conv: string) => (f: any) => f.type === 'message' && f.conversationId === conv;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function members(gw: string, caller: string, conv: string, method: 'POST' | 'DELETE', body?: unknown, target?: string) {
  const res = await fetch(`${gw}/v1/conversations/${conv}/members${target ? `/${target}` : ''}`, {
    method,
    headers: { authorization: `Bearer ${token(caller)}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function sendAndAck(s: Awaited<ReturnType<typeof as>>, conv: string, clientMsgId: string): Promise<string> {
  s.send({ type: 'send', clientMsgId, conversationId: conv, body: clientMsgId });
  return (await s.waitFor((f) => f.type === 'ack' && f.clientMsgId === clientMsgId, 10_000, `ack ${clientMsgId}`)).messageId;
}

// 3 members: inbox fan-out; 102: the group channel (threshold 100)
describe.each([3, 102])('member changes in a conversation of %i', (size) => {
  it('a member removed on gateway 1 gets nothing published afterwards from gateway 2, not live, not by sync or history', async () => {
    const [g1, g2] = gateways() as [string, string];
    const all = users('rm', size);
    const [alice, bob, carol] = all as [string, string, string];
    const conv = (await createConversation(g1, alice, all)).body.conversationId;
    const carolS = await as(carol, g1);
    const bobS = await as(bob, g1);
    const aliceS = await as(alice, g2);
    const before = await sendAndAck(aliceS, conv, 'before');
    await carolS.waitFor((f) => isMsg(conv)(f) && f.messageId === before);

    const removed = await members(g1, alice, conv, 'DELETE', undefined, carol);
    expect(removed.status).toBe(200);
    expect(removed.body.members).not.toContain(carol);
    const left = await carolS.waitFor((f) => f.type === 'member' && f.change === 'left', 5000, 'member left');
    expect(left).toMatchObject({ conversationId: conv, userId: carol });
    expect(BigInt(left.messageId) > BigInt(before)).toBe(true);

    const after = await sendAndAck(aliceS, conv, 'after');
    await bobS.waitFor((f) => isMsg(conv)(f) && f.messageId === after);
    await sleep(500);
    expect(carolS.frames.filter(isMsg(conv)).map((f) => f.messageId)).toEqual([before]);
    // a former member's sync gets what was published while they were a member, never later
    carolS.send({ type: 'sync', conversationId: conv, after: '0' });
    const synced = await carolS.waitFor((f) => f.type === 'sync_result' && f.conversationId === conv);
    expect(synced.messages.map((m: { messageId: string }) => m.messageId)).toEqual([before]);
    expect(synced.hasMore).toBe(false);
    expect((await history(g2, carol, conv, '?after=0')).status).toBe(403);
    // the others learn of it too, ordered among the messages
    expect(await bobS.waitFor((f) => f.type === 'member')).toMatchObject({ userId: carol, change: 'left', messageId: left.messageId });
  });

  it('a member added gets the next message live, and earlier ones only if they were a member then', async () => {
    const [g1, g2] = gateways() as [string, string];
    const all = users('add', size);
    const [alice, bob] = all as [string, string];
    const [dave] = users('newcomer', 1) as [string];
    const conv = (await createConversation(g1, alice, all)).body.conversationId;
    const aliceS = await as(alice, g1);
    const bobS = await as(bob, g2);
    const daveS = await as(dave, g2);
    const earlier = await sendAndAck(aliceS, conv, 'earlier');

    const added = await members(g1, alice, conv, 'POST', { userIds: [dave] });
    expect(added.status).toBe(200);
    expect(added.body.members).toContain(dave);
    const joined = await daveS.waitFor((f) => f.type === 'member' && f.change === 'joined', 5000, 'member joined');
    expect(joined).toMatchObject({ conversationId: conv, userId: dave });

    const next = await sendAndAck(aliceS, conv, 'next');
    expect((await daveS.waitFor((f) => isMsg(conv)(f), 5000, 'the next message live')).messageId).toBe(next);
    await bobS.waitFor((f) => isMsg(conv)(f) && f.messageId === next);
    const page = await history(g1, dave, conv, '?after=0');
    expect(page.status).toBe(200);
    expect(page.body.messages.map((m: any) => m.messageId)).toEqual([next]);
    daveS.send({ type: 'sync', conversationId: conv, after: '0' });
    const synced = await daveS.waitFor((f) => f.type === 'sync_result');
    expect(synced.messages.map((m: any) => m.messageId)).toEqual([next]);
    // bob, a member all along, sees both (503 "retry" until the first message of a new
    // conversation is persisted: the stream does not say what came before it)
    let bobPage = await history(g2, bob, conv, '?after=0');
    for (let i = 0; i < 50 && bobPage.status === 503; i++) bobPage = (await sleep(100), await history(g2, bob, conv, '?after=0'));
    expect(bobPage.status).toBe(200);
    expect(bobPage.body.messages.map((m: any) => m.messageId)).toEqual([earlier, next]);
  });
});

describe('member changes: edges', () => {
  it('direct conversations stay two-member, non-members cannot change members, bad input is a 400 with a stable code', async () => {
    const [g1] = gateways() as [string];
    const [a, b, c] = users('edge', 3) as [string, string, string];
    const direct = (await createConversation(g1, a, [a, b])).body.conversationId;
    const r1 = await members(g1, a, direct, 'POST', { userIds: [c] });
    expect(r1).toMatchObject({ status: 400, body: { error: { code: 'CHATLAB_E_BAD_REQUEST' } } });
    expect((await members(g1, a, direct, 'DELETE', undefined, b)).status).toBe(400);
    const group = (await createConversation(g1, a, [a, b, c])).body.conversationId;
    const [stranger] = users('stranger', 1) as [string];
    expect((await members(g1, stranger, group, 'POST', { userIds: [stranger] })).status).toBe(403);
    expect((await members(g1, a, group, 'POST', { userIds: 'x' })).body.error.code).toBe('CHATLAB_E_BAD_REQUEST');
    expect((await members(g1, a, group, 'POST', { userIds: ['bad id!'] })).status).toBe(400);
    expect((await members(g1, a, group, 'DELETE', undefined, stranger)).status).toBe(404);
  });
});

describe('the routing threshold crossed live', () => {
  it('a conversation grown from 99 to 150 members while 50 msg/s flow loses nothing, duplicates nothing, and ends on its group channel', async () => {
    const [g1, g2] = gateways() as [string, string];
    const all = users('grow', 150);
    const [sender, r1, r2] = all as [string, string, string];
    const newcomer = all[120]!;
    const conv = (await createConversation(g1, sender, all.slice(0, 99))).body.conversationId;
    const s = await as(sender, g1);
    const receivers = [await as(r1, g1), await as(r2, g2), await as(r2, g1)];
    const late = await as(newcomer, g2);

    const acks: string[] = [];
    let n = 0;
    const flow = setInterval(() => {
      const id = `g${n++}`;
      s.send({ type: 'send', clientMsgId: id, conversationId: conv, body: id });
    }, 20);
    await sleep(500);
    let joinedAt = '';
    for (let i = 99; i < 150; i += 10) {
      const res = await members(g1, sender, conv, 'POST', { userIds: all.slice(i, Math.min(150, i + 10)) });
      expect(res.status).toBe(200);
      await sleep(200);
    }
    await sleep(500);
    clearInterval(flow);
    const sent = n;
    for (const a of await s.waitForCount((f) => f.type === 'ack', sent, 15_000)) acks.push(a.messageId);
    for (const r of receivers) {
      const got = (await r.waitForCount(isMsg(conv), sent, 10_000)).map((f) => f.messageId);
      expect(got).toEqual(acks);
    }
    await sleep(300);
    for (const r of receivers) expect(r.frames.filter(isMsg(conv))).toHaveLength(sent);
    const joinFrame = late.frames.find((f) => f.type === 'member' && f.userId === newcomer);
    expect(joinFrame).toBeDefined();
    joinedAt = joinFrame.messageId;
    const lateGot = late.frames.filter(isMsg(conv)).map((f) => f.messageId);
    expect(lateGot).toEqual(acks.filter((id) => BigInt(id) > BigInt(joinedAt)));

    // now on the group channel: the next messages are one group publish each, no inbox publish
    const count = async (channel: string) => (await Promise.all([g1, g2].map((g) => scrapeMetric(g, 'chatlab_redis_publishes_total', { channel })))).reduce((x, y) => x + y, 0);
    const [group0, inbox0] = [await count('group'), await count('inbox')];
    for (let i = 0; i < 10; i++) await sendAndAck(s, conv, `tail${i}`);
    expect((await count('group')) - group0).toBe(10);
    expect((await count('inbox')) - inbox0).toBe(0);
  }, 60_000);
});

describe('presence on connect', () => {
  it('the snapshot lists online friends within a second of the connect', async () => {
    const [g1, g2] = gateways() as [string, string];
    const [alice, bob, carol] = users('snap', 3) as [string, string, string];
    await createConversation(g1, alice, [alice, bob]);
    await createConversation(g1, alice, [alice, carol]);
    await as(bob, g1);
    // the presence server takes the connect event from its stream: wait until it is applied
    await sleep(1500);
    const started = Date.now();
    const aliceS = await as(alice, g2);
    const snap = await aliceS.waitFor((f) => f.type === 'presence_snapshot', 1000, 'presence_snapshot');
    expect(Date.now() - started).toBeLessThan(1000);
    const byUser = Object.fromEntries(snap.friends.map((f: any) => [f.userId, f.status]));
    expect(byUser).toEqual({ [bob]: 'online', [carol]: 'offline' });
    expect(aliceS.frames.filter((f) => f.type === 'presence_snapshot')).toHaveLength(1);
  });
});

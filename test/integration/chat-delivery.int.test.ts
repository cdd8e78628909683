import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { compareIds } from '../../src/core/index.js';
import { scrapeMetric } from '../support/ws-client.js';
import { createConversation, endpoints, gateways, history, socketsPerTest, token, users } from './support.js';

const as = socketsPerTest();

const isMsg = (conv: string) => (f: any) => f.type === 'message' && f.conversationId === conv;

describe('chat core: delivery across gateways', () => {
  it('every member gets each message once, in id order; the sender gets acks; the message is stored', async () => {
    const [g1, g2] = gateways() as [string, string];
    const [alice, bob] = users('dm', 2) as [string, string];
    const created = await createConversation(g1, alice, [alice, bob]);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: 'direct', members: [alice, bob] });
    const conv = created.body.conversationId;

    const aliceMain = await as(alice, g1);
    const aliceOther = await as(alice, g2);
    const bobOnG2 = await as(bob, g2);
    const bobOnG1 = await as(bob, g1);

    const n = 30;
    for (let i = 0; i < n; i++) aliceMain.send({ type: 'send', clientMsgId: `m${i}`, conversationId: conv, body: `hello ${i}` });
    const acks = await aliceMain.waitForCount((f) => f.type === 'ack', n);
    expect(acks.map((a) => a.clientMsgId)).toEqual(Array.from({ length: n }, (_, i) => `m${i}`));
    const ids = acks.map((a) => a.messageId as string);
    expect([...ids].sort(compareIds)).toEqual(ids);

    for (const s of [bobOnG2, bobOnG1, aliceOther]) {
      const got = await s.waitForCount(isMsg(conv), n);
      expect(got.map((m) => m.messageId)).toEqual(ids);
      expect(got[0]).toMatchObject({ senderId: alice, clientMsgId: 'm0', body: 'hello 0', conversationId: conv });
      expect(typeof got[0].sentAt).toBe('number');
    }
    // the sending socket gets acks, not its own messages
    expect(aliceMain.frames.filter(isMsg(conv))).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(bobOnG2.frames.filter(isMsg(conv))).toHaveLength(n);

    // durable: in Cassandra (persist worker), and in the history endpoint
    const e = endpoints();
    const client = new cassandra.Client({ contactPoints: e.cassandra.contactPoints, localDataCenter: e.cassandra.localDataCenter });
    let stored = 0;
    for (let i = 0; i < 100 && stored < n; i++) {
      const rs = await client.execute('SELECT message_id FROM chatlab.messages WHERE conversation_id = ? AND bucket IN ? ', [conv, bucketsNow()], { prepare: true });
      stored = rs.rowLength;
      if (stored < n) await new Promise((r) => setTimeout(r, 100));
    }
    await client.shutdown();
    expect(stored).toBe(n);
    const h = await history(g2, bob, conv, '?after=0&limit=500');
    expect(h.status).toBe(200);
    expect(h.body.messages.map((m: any) => m.messageId)).toEqual(ids);
    expect(h.body.hasMore).toBe(false);
  });

  it('re-sending a clientMsgId returns the same messageId and delivers nothing twice', async () => {
    const [g1, g2] = gateways() as [string, string];
    const [a, b] = users('dup', 2) as [string, string];
    const conv = (await createConversation(g1, a, [a, b])).body.conversationId;
    const sa = await as(a, g1);
    const sb = await as(b, g2);
    sa.send({ type: 'send', clientMsgId: 'same', conversationId: conv, body: 'once' });
    const first = await sa.waitFor((f) => f.type === 'ack');
    sa.send({ type: 'send', clientMsgId: 'same', conversationId: conv, body: 'once' });
    const acks = await sa.waitForCount((f) => f.type === 'ack', 2);
    expect(acks[1].messageId).toBe(first.messageId);
    await sb.waitFor(isMsg(conv));
    await new Promise((r) => setTimeout(r, 300));
    expect(sb.frames.filter(isMsg(conv))).toHaveLength(1);
  });

  it('a client that was offline syncs exactly what it missed', async () => {
    const [g1, g2] = gateways() as [string, string];
    const [a, b] = users('sync', 2) as [string, string];
    const conv = (await createConversation(g1, a, [a, b])).body.conversationId;
    const sa = await as(a, g1);
    let sb = await as(b, g2);
    sa.send({ type: 'send', clientMsgId: 'before', conversationId: conv, body: 'seen' });
    const seen = await sb.waitFor(isMsg(conv));
    sb.close();
    await sb.closed;
    for (let i = 0; i < 5; i++) sa.send({ type: 'send', clientMsgId: `missed${i}`, conversationId: conv, body: `missed ${i}` });
    const acks = await sa.waitForCount((f) => f.type === 'ack', 6);
    sb = await as(b, g1);
    sb.send({ type: 'sync', conversationId: conv, after: seen.messageId });
    const result = await sb.waitFor((f) => f.type === 'sync_result');
    expect(result.conversationId).toBe(conv);
    expect(result.messages.map((m: any) => m.clientMsgId)).toEqual(['missed0', 'missed1', 'missed2', 'missed3', 'missed4']);
    expect(result.messages.map((m: any) => m.messageId)).toEqual(acks.slice(1).map((x) => x.messageId));
    expect(result.hasMore).toBe(false);
  });

  it('a group above the threshold is delivered through one group channel publish per message', async () => {
    const [g1, g2] = gateways() as [string, string];
    const members = users('big', 120);
    const conv = (await createConversation(g1, members[0]!, members, 'big room')).body;
    expect(conv.kind).toBe('group');
    const sender = await as(members[0]!, g1);
    const receivers = await Promise.all(members.slice(1, 21).map((m, i) => as(m, i % 2 === 0 ? g1 : g2)));
    const before = (await scrapeMetric(g1, 'chatlab_redis_publishes_total', { channel: 'group' })) + (await scrapeMetric(g2, 'chatlab_redis_publishes_total', { channel: 'group' }));
    const inboxBefore = (await scrapeMetric(g1, 'chatlab_redis_publishes_total', { channel: 'inbox' })) + (await scrapeMetric(g2, 'chatlab_redis_publishes_total', { channel: 'inbox' }));
    for (let i = 0; i < 5; i++) sender.send({ type: 'send', clientMsgId: `g${i}`, conversationId: conv.conversationId, body: `to all ${i}` });
    await sender.waitForCount((f) => f.type === 'ack', 5);
    for (const r of receivers) expect(await r.waitForCount(isMsg(conv.conversationId), 5)).toHaveLength(5);
    const after = (await scrapeMetric(g1, 'chatlab_redis_publishes_total', { channel: 'group' })) + (await scrapeMetric(g2, 'chatlab_redis_publishes_total', { channel: 'group' }));
    const inboxAfter = (await scrapeMetric(g1, 'chatlab_redis_publishes_total', { channel: 'inbox' })) + (await scrapeMetric(g2, 'chatlab_redis_publishes_total', { channel: 'inbox' }));
    expect(after - before).toBe(5);
    expect(inboxAfter - inboxBefore).toBe(0);
  });
});

function bucketsNow(): number[] {
  const day = 24 * 3600 * 1000;
  const b = Math.floor(Date.now() / day);
  return [b - 1, b];
}

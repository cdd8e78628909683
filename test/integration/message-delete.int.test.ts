import crypto from 'node:crypto';
import cassandra from 'cassandra-driver';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { MessageStore, deletedMember, readHistory, redisKeys } from '../../src/store/index.js';
import { snowflakeFromTime } from '../../src/core/index.js';
import { scrapeMetric } from '../support/ws-client.js';
import { createConversation, endpoints, gateways, history, socketsPerTest, token, uniqueName, users } from './support.js';

const as = socketsPerTest();

async function del(gatewayUrl: string, caller: string | null, conversationId: string, messageId: string, method = 'DELETE'): Promise<{ status: number; body: any }> {
  const res = await fetch(`${gatewayUrl}/v1/conversations/${conversationId}/messages/${messageId}`, {
    method,
    headers: caller ? { authorization: `Bearer ${token(caller)}` } : {},
  });
  return { status: res.status, body: await res.json() };
}

/** Polls the search until `done(ids)` holds (indexing and its removal are asynchronous), bounded. */
async function searchUntil(gatewayUrl: string, caller: string, word: string, done: (ids: string[]) => boolean, timeoutMs = 90_000): Promise<string[]> {
  const until = Date.now() + timeoutMs;
  let ids: string[] = [];
  while (Date.now() < until) {
    const res = await fetch(`${gatewayUrl}/v1/search?${new URLSearchParams({ q: word })}`, { headers: { authorization: `Bearer ${token(caller)}` } });
    if (res.status === 200) ids = ((await res.json()) as { hits: Array<{ messageId: string }> }).hits.map((h) => h.messageId);
    if (done(ids)) return ids;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`search for ${word} never settled; last hits ${JSON.stringify(ids)}`);
}

function cassandraClient(): cassandra.Client {
  const e = endpoints();
  return new cassandra.Client({ contactPoints: e.cassandra.contactPoints, localDataCenter: e.cassandra.localDataCenter, keyspace: 'chatlab' });
}

describe('message delete', () => {
  it('the sender deletes: members get `deleted` after the message; history, sync and search stop returning it', async () => {
    const [g1, g2] = gateways() as [string, string];
    const [alice, bob, carol] = users('del', 3) as [string, string, string];
    const conv = (await createConversation(g1, alice, [alice, bob, carol])).body.conversationId as string;
    const sa = await as(alice, g1);
    const sb = await as(bob, g2);
    const sc = await as(carol, g1);
    const word = `del${crypto.randomBytes(4).toString('hex')}`;
    for (let i = 0; i < 3; i++) sa.send({ type: 'send', clientMsgId: `m${i}`, conversationId: conv, body: `note ${i} ${word}` });
    const ids = (await sa.waitForCount((f) => f.type === 'ack', 3)).map((a) => a.messageId as string);
    const [keep0, gone, keep2] = ids as [string, string, string];
    await sb.waitForCount((f) => f.type === 'message' && f.conversationId === conv, 3);
    expect(await searchUntil(g1, bob, word, (hits) => hits.length === 3)).toHaveLength(3);

    const deletedBefore = await scrapeMetric(g2, 'chatlab_messages_deleted_total');
    const res = await del(g2, alice, conv, gone);
    expect(res).toEqual({ status: 200, body: { conversationId: conv, deleted: gone } });
    expect(await scrapeMetric(g2, 'chatlab_messages_deleted_total')).toBe(deletedBefore + 1);

    // live, to every member's sockets (the sender's too), after the message itself
    for (const s of [sb, sc, sa]) {
      const frame = await s.waitFor((f) => f.type === 'deleted');
      expect(frame).toEqual({ type: 'deleted', conversationId: conv, messageId: gone, userId: alice });
    }
    const at = (pred: (f: any) => boolean) => sb.frames.findIndex(pred);
    expect(at((f) => f.type === 'message' && f.messageId === gone)).toBeLessThan(at((f) => f.type === 'deleted'));

    // history at once, on either gateway (served from the recent stream: the deleted set filters it)
    for (const g of [g1, g2]) {
      const h = await history(g, bob, conv, '?after=0');
      expect(h.status).toBe(200);
      expect(h.body.messages.map((m: any) => m.messageId)).toEqual([keep0, keep2]);
    }
    // sync over the socket, from the start and from just before it
    sb.send({ type: 'sync', conversationId: conv, after: '0' });
    const full = await sb.waitFor((f) => f.type === 'sync_result');
    expect(full.messages.map((m: any) => m.messageId)).toEqual([keep0, keep2]);
    sc.send({ type: 'sync', conversationId: conv, after: keep0 });
    expect((await sc.waitFor((f) => f.type === 'sync_result')).messages.map((m: any) => m.messageId)).toEqual([keep2]);

    // Cassandra alone (the stream gone, as after its trim): the tombstone, once the others are persisted
    const client = cassandraClient();
    const store = new MessageStore(client, 'chatlab');
    try {
      for (let i = 0; i < 100 && (await store.after(conv, '0', 10)).messages.length < 2; i++) await new Promise((r) => setTimeout(r, 100));
      expect((await store.after(conv, '0', 10)).messages.map((m) => m.messageId)).toEqual([keep0, keep2]);
      expect(await store.get(conv, gone)).toBeUndefined();
    } finally {
      await client.shutdown();
    }
    const redis = new Redis(endpoints().redis.url);
    try {
      await redis.del(redisKeys('').recent(conv));
      const h = await history(g2, carol, conv, '?after=0');
      expect(h.body.messages.map((m: any) => m.messageId)).toEqual([keep0, keep2]);
    } finally {
      redis.disconnect();
    }

    // search: the indexer removes the document (it may lag the 200)
    expect(await searchUntil(g1, bob, word, (hits) => hits.length === 2)).toEqual([keep2, keep0]);
    // deleting again: it is gone (404, not a second 200)
    expect((await del(g1, alice, conv, gone)).status).toBe(404);
  });

  it('only the sender, while a member: others 403; unknown message or conversation 404; malformed ids 400; no token 401', async () => {
    const [g1] = gateways() as [string];
    const [alice, bob, eve] = users('delauth', 3) as [string, string, string];
    const conv = (await createConversation(g1, alice, [alice, bob])).body.conversationId as string;
    const sa = await as(alice, g1);
    sa.send({ type: 'send', clientMsgId: 'x', conversationId: conv, body: 'mine' });
    const id = (await sa.waitFor((f) => f.type === 'ack')).messageId as string;

    const notSender = await del(g1, bob, conv, id);
    expect(notSender.status).toBe(403);
    expect(notSender.body.error.code).toBe('CHATLAB_E_FORBIDDEN');
    expect(notSender.body.error.message).toMatch(/only its sender/);
    expect((await del(g1, eve, conv, id)).status).toBe(403);
    const unknown = await del(g1, alice, conv, snowflakeFromTime(Date.now() - 1000));
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('CHATLAB_E_NOT_FOUND');
    expect((await del(g1, alice, uniqueName('noconv'), id)).status).toBe(404);
    for (const [c, m] of [[conv, 'abc'], [conv, '0'], [conv, '0123'], ['bad.conv', id], [conv, '%zz']] as const) {
      const r = await del(g1, alice, c, m);
      expect(r.status, `${c}/${m}`).toBe(400);
      expect(r.body.error.code).toBe('CHATLAB_E_BAD_REQUEST');
    }
    expect((await del(g1, null, conv, id)).status).toBe(401);
    expect((await del(g1, alice, conv, id, 'PUT')).status).toBe(400);
    // nothing of the above deleted it
    expect((await history(g1, bob, conv)).body.messages.map((m: any) => m.messageId)).toEqual([id]);
  });

  it('a page from the stream with a deleted message in it is full-sized and still says more follow, while Cassandra has nothing yet', async () => {
    const redis = new Redis(endpoints().redis.url);
    const client = cassandraClient();
    const store = new MessageStore(client, 'chatlab');
    const keys = redisKeys(`${uniqueName('dpage')}:`);
    const conv = uniqueName('lag');
    const base = Date.now() - 5000;
    const ids = [0, 1, 2, 3, 4].map((i) => snowflakeFromTime(base + i));
    try {
      // the stream as five sends left it, none persisted (forced: nothing is written to Cassandra)
      let prev = '0';
      for (const id of ids) {
        await redis.xadd(keys.recent(conv), `${id}-0`, 'm', JSON.stringify({ conversationId: conv, messageId: id, senderId: 'a', clientMsgId: `k${id}`, body: 'x', sentAt: base }), 'p', prev);
        prev = id;
      }
      await redis.zadd(keys.deleted(conv), 0, deletedMember(ids[1]!));
      const read = (after: string, limit: number) => readHistory({ store, redis, recentKey: keys.recent(conv), conversationId: conv, after, limit, fromMs: base - 1000 });
      const first = await read('0', 2);
      expect(first.messages.map((m) => m.messageId)).toEqual([ids[0], ids[2]]);
      expect(first.hasMore).toBe(true);
      const second = await read(ids[2]!, 2);
      expect(second.messages.map((m) => m.messageId)).toEqual([ids[3], ids[4]]);
      expect(second.hasMore).toBe(false);
    } finally {
      await redis.del(keys.recent(conv), keys.deleted(conv));
      redis.disconnect();
      await client.shutdown();
    }
  });

  it('a tombstone that reaches Cassandra before the insert (the message still in Kafka) is not undone by it', async () => {
    const client = cassandraClient();
    const store = new MessageStore(client, 'chatlab');
    try {
      const conv = uniqueName('tomb');
      const message = { conversationId: conv, messageId: snowflakeFromTime(Date.now() - 2000), senderId: 'a', clientMsgId: 'k', body: 'late insert', sentAt: Date.now() - 2000 };
      // forced order: the delete first, then the persist worker's insert (and a redelivery of it)
      await store.delete(conv, message.messageId);
      await store.insertMany([message]);
      await store.insertMany([message]);
      expect(await store.get(conv, message.messageId)).toBeUndefined();
      expect((await store.after(conv, '0', 10, { fromMs: Date.now() - 60_000 })).messages).toEqual([]);
      // the usual order too
      const other = { ...message, messageId: snowflakeFromTime(Date.now() - 1000), clientMsgId: 'k2' };
      await store.insertMany([other]);
      expect(await store.get(conv, other.messageId)).toEqual(other);
      await store.delete(conv, other.messageId);
      expect(await store.get(conv, other.messageId)).toBeUndefined();
    } finally {
      await client.shutdown();
    }
  });
});

import crypto from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { startGateway } from '../../src/gateway/index.js';
import { connect, type TestSocket } from '../support/ws-client.js';
import { createConversation, endpoints, gatewayConfig, gateways, history, socketsPerTest, token, users } from './support.js';

/**
 * Members only, over time, on the real stack: search and read receipts follow a member's spans
 * (a later member sees nothing from before their join, a removed one gets nothing after their
 * removal), and the per-user socket cap holds when the upgrades come at once.
 */
const as = socketsPerTest();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function members(gw: string, caller: string, conv: string, method: 'POST' | 'DELETE', target: string) {
  const res = await fetch(`${gw}/v1/conversations/${conv}/members${method === 'DELETE' ? `/${target}` : ''}`, {
    method,
    headers: { authorization: `Bearer ${token(caller)}`, 'content-type': 'application/json' },
    ...(method === 'POST' ? { body: JSON.stringify({ userIds: [target] }) } : {}),
  });
  expect(res.status).toBe(200);
}

async function sendAndAck(s: TestSocket, conv: string, clientMsgId: string, body: string): Promise<string> {
  s.send({ type: 'send', clientMsgId, conversationId: conv, body });
  return (await s.waitFor((f) => f.type === 'ack' && f.clientMsgId === clientMsgId, 15_000, `ack ${clientMsgId}`)).messageId;
}

async function search(gw: string, caller: string, params: Record<string, string>): Promise<string[]> {
  const res = await fetch(`${gw}/v1/search?${new URLSearchParams(params)}`, { headers: { authorization: `Bearer ${token(caller)}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { hits: Array<{ clientMsgId: string }> }).hits.map((h) => h.clientMsgId);
}

/** Polls until the search returns `n` hits (indexing is asynchronous), bounded. */
async function searchUntil(gw: string, caller: string, q: string, n: number, timeoutMs = 90_000): Promise<string[]> {
  const until = Date.now() + timeoutMs;
  let hits: string[] = [];
  while (Date.now() < until) {
    hits = await search(gw, caller, { q });
    if (hits.length >= n) return hits;
    await sleep(500);
  }
  throw new Error(`search ${q} did not reach ${n} hits: ${JSON.stringify(hits)}`);
}

describe('members only, over time', () => {
  it('search shows a later member nothing from before their join, and one who left and came back nothing from while they were away', async () => {
    const [g1, g2] = gateways() as [string, string];
    const [a, b, c] = users('srchspan', 3) as [string, string, string];
    const [d] = users('srchlate', 1) as [string];
    const conv = (await createConversation(g1, a, [a, b, c])).body.conversationId as string;
    const word = `spn${crypto.randomBytes(4).toString('hex')}`;
    const s = await as(a, g1);
    await sendAndAck(s, conv, 'before', `before ${word}`);
    expect(await searchUntil(g2, b, word, 1)).toEqual(['before']);

    await members(g1, a, conv, 'POST', d);
    expect(await search(g2, d, { q: word })).toEqual([]);
    expect(await search(g2, d, { q: word, conversationId: conv })).toEqual([]);

    await sendAndAck(s, conv, 'after', `after ${word}`);
    await members(g1, a, conv, 'DELETE', c);
    await sendAndAck(s, conv, 'away', `away ${word}`);
    await members(g1, a, conv, 'POST', c);
    await sendAndAck(s, conv, 'back', `back ${word}`);
    // a founding member who never changed sees all four (newest first), so all are indexed
    expect(await searchUntil(g2, b, word, 4)).toEqual(['back', 'away', 'after', 'before']);
    expect(await search(g2, d, { q: word })).toEqual(['back', 'away', 'after']);
    expect(await search(g1, c, { q: word })).toEqual(['back', 'after', 'before']);
    expect(await search(g1, c, { q: word, conversationId: conv })).toEqual(['back', 'after', 'before']);
  });

  it('a removed member gets no more read receipts', async () => {
    const [g1, g2] = gateways() as [string, string];
    const [a, b, c] = users('rcptspan', 3) as [string, string, string];
    const conv = (await createConversation(g1, a, [a, b, c])).body.conversationId as string;
    const sa = await as(a, g1);
    const sb = await as(b, g2);
    const sc = await as(c, g1);
    const first = await sendAndAck(sa, conv, 'm1', 'one');
    sb.send({ type: 'read', conversationId: conv, messageId: first });
    await sc.waitFor((f) => f.type === 'receipt' && f.messageId === first, 10_000, 'the receipt while a member');

    await members(g1, a, conv, 'DELETE', c);
    await sc.waitFor((f) => f.type === 'member' && f.change === 'left', 5000, 'the removal');
    const second = await sendAndAck(sa, conv, 'm2', 'two');
    sb.send({ type: 'read', conversationId: conv, messageId: second });
    await sa.waitFor((f) => f.type === 'receipt' && f.messageId === second, 10_000, "the sender's receipt");
    await sleep(500);
    expect(sc.frames.filter((f) => f.type === 'receipt').map((f) => f.messageId)).toEqual([first]);
  });

  it('60 upgrades at once for one user on one gateway: exactly 16 open, the rest 429', async () => {
    const [g1] = gateways() as [string];
    const [u] = users('capburst', 1) as [string];
    const results = await Promise.allSettled(Array.from({ length: 60 }, () => connect(g1, token(u))));
    const opened = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const statuses = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as { status?: number }).status] : []));
    for (const s of opened) s.close();
    expect(opened).toHaveLength(16);
    expect(statuses).toEqual(Array(44).fill(429));
  });

  it("a member added while a gateway's subscriber was away can send there once it is back (its conversation cache is dropped)", async () => {
    const [g1] = gateways() as [string];
    const gw = await startGateway(gatewayConfig('gwcache', {}));
    const admin = new Redis(endpoints().redis.url);
    try {
      const url = `http://127.0.0.1:${gw.port}`;
      const [a, b, c] = users('cache', 3) as [string, string, string];
      const [x] = users('cachex', 1) as [string];
      const conv = (await createConversation(g1, a, [a, b, c])).body.conversationId as string;
      expect((await history(url, a, conv, '?after=0')).status).toBe(200); // cached there now
      // its subscriber is held back a second once Redis drops it (as Redis drops a slow subscriber)
      const sub = (gw.ctx.router as unknown as { sub: Redis }).sub;
      sub.options.retryStrategy = () => 1000;
      const lost = new Promise((r) => sub.once('close', r));
      const back = new Promise((r) => sub.once('ready', r));
      // only this gateway's subscriber: the shared stack's gateways would otherwise see a Redis loss
      // too and answer "retry" for streamless history for a while, failing the next test file
      const { localAddress, localPort } = (sub as unknown as { stream: { localAddress: string; localPort: number } }).stream;
      await admin.client('KILL', 'ADDR', `${localAddress}:${localPort}`);
      await lost;
      await members(g1, a, conv, 'POST', x); // published while nobody there listens
      await back;
      await sleep(300);
      const sx = await as(x, url);
      sx.send({ type: 'send', clientMsgId: 'x1', conversationId: conv, body: 'hello' });
      const answer = await sx.waitFor((f) => (f.type === 'ack' || f.type === 'error') && (f.clientMsgId === 'x1' || f.ref === 'x1'), 10_000, 'an answer');
      expect(answer).toMatchObject({ type: 'ack', clientMsgId: 'x1' });
    } finally {
      admin.disconnect();
      await gw.shutdown();
    }
  });
});

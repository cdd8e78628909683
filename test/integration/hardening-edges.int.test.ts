import crypto from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { signToken } from '../../src/core/index.js';
import { startGateway, type RunningGateway } from '../../src/gateway/index.js';
import { handshake, rawRequest } from '../../scenarios/abuse/raw.js';
import { connect } from '../support/ws-client.js';
import { createConversation, endpoints, gatewayConfig, gateways, history, socketsPerTest, token, users } from './support.js';

const as = socketsPerTest();
const redis = new Redis(endpoints().redis.url);
const extra: RunningGateway[] = [];
afterAll(async () => {
  for (const g of extra) await g.shutdown();
  redis.disconnect();
});

async function healthy(url: string) {
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
}

describe('hardening: the edges', () => {
  it('item 1: a request target that is no URL answers 400 on every service, and every service lives on', async () => {
    const services = inject('services');
    for (const s of services) {
      const answer = await rawRequest(s.url, 'GET //a:99999/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      expect(answer.status, s.name).toBe(400);
    }
    for (const s of services) await healthy(s.url);
  });

  it('item 12: a bad % in a path is 400, not 503', async () => {
    const [g1] = gateways() as [string];
    const [a] = users('pct', 1) as [string];
    expect((await history(g1, a, '%E0%A4%A')).status).toBe(400);
  });

  it('item 5: more members than the cap is 400; creations beyond the per-user rate are 429; direct ids are keyed', async () => {
    const [g1] = gateways() as [string];
    const [a, b] = users('cap', 2) as [string, string];
    const tooMany = [a, ...Array.from({ length: 10_000 }, (_, i) => `${a}-m${i}`)];
    const capped = await createConversation(g1, a, tooMany);
    expect(capped.status).toBe(400);
    expect(capped.body.error.message).toMatch(/member cap/);

    const first = await createConversation(g1, a, [a, b]);
    const again = await createConversation(g1, b, [b, a]);
    expect(again.body.conversationId).toBe(first.body.conversationId);
    const unkeyed = `d_${crypto.createHash('sha256').update([a, b].sort().join('\u0000')).digest('base64url').slice(0, 22)}`;
    expect(first.body.conversationId).not.toBe(unkeyed);
    // the 403/404 contract stays: a non-member learns nothing from a guessed id
    expect((await history(g1, users('x', 1)[0]!, unkeyed)).status).toBe(404);

    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await createConversation(g1, a, [a, `${a}-g${i}`, `${a}-h${i}`])).status);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(15);
    const limited = await createConversation(g1, a, [a, `${a}-z1`, `${a}-z2`]);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('CHATLAB_E_RATE_LIMITED');
  });

  it('item 4 (HTTP): history requests beyond the per-user rate are 429', async () => {
    const [g1] = gateways() as [string];
    const [a, b] = users('hrate', 2) as [string, string];
    const conv = (await createConversation(g1, a, [a, b])).body.conversationId;
    // 200 at once: more than the burst (40) plus what refills (20/s) while they are served
    const statuses = await Promise.all(Array.from({ length: 200 }, () => history(g1, a, conv).then((r) => r.status)));
    expect(statuses).toContain(429);
    expect(statuses).toContain(200);
    await healthy(g1);
  });

  it('item 10: a handshake ws drops (bad Sec-WebSocket-Key) leaves no subscription behind', async () => {
    const [g1] = gateways() as [string];
    const [a] = users('key', 1) as [string];
    const answer = await rawRequest(g1, handshake(token(a), { 'Sec-WebSocket-Key': 'not-a-key' }));
    expect(answer.status).toBe(400);
    await new Promise((r) => setTimeout(r, 300));
    const [, subscribers] = (await redis.pubsub('NUMSUB', `inbox:${a}`)) as [string, number];
    expect(subscribers).toBe(0);
    // and a good handshake of the same user still works
    const s = await as(a, g1);
    expect(s.ws.readyState).toBe(s.ws.OPEN);
  });

  it('item 12: an expired token is refused with 401', async () => {
    const [g1] = gateways() as [string];
    const expired = signToken('old-user', inject('secret'), { ttlSec: 1, now: Date.now() - 10_000 });
    await expect(connect(g1, expired)).rejects.toMatchObject({ status: 401 });
  });

  it('item 12: a user past the per-user connection cap is refused with 429', async () => {
    const [g1] = gateways() as [string];
    const [a] = users('conns', 1) as [string];
    for (let i = 0; i < 16; i++) await as(a, g1);
    await expect(connect(g1, token(a))).rejects.toMatchObject({ status: 429 });
  });

  it('item 12: a read watermark beyond the last message is clamped to it', async () => {
    const [g1] = gateways() as [string];
    const [a, b] = users('clamp', 2) as [string, string];
    const conv = (await createConversation(g1, a, [a, b])).body.conversationId;
    const sa = await as(a, g1);
    sa.send({ type: 'send', clientMsgId: 'c1', conversationId: conv, body: 'hi' });
    const ack = await sa.waitFor((f) => f.type === 'ack');
    const sb = await as(b, g1);
    sb.send({ type: 'read', conversationId: conv, messageId: '9223372036854775807' });
    await new Promise((r) => setTimeout(r, 500));
    expect(await redis.hget(`rcpt:wm:${conv}`, b)).toBe(ack.messageId);
  });

  it('item 12: the gateway drops a peer that never answers pings, and closes an idle socket with 4000', async () => {
    const gw = await startGateway(gatewayConfig('gw-ping', { pingIntervalMs: 200, idleTimeoutMs: 1500 }));
    extra.push(gw);
    const url = `http://127.0.0.1:${gw.port}`;
    const [a, b] = users('idle', 2) as [string, string];
    // a raw handshake never answers a ping: dropped within two intervals, long before the idle timeout
    const t0 = Date.now();
    const raw = await rawRequest(url, handshake(token(a)), { keepOpenMs: 1, timeoutMs: 1400 });
    expect(raw.status).toBe(101);
    expect(Date.now() - t0).toBeLessThan(1400);
    // a real client answers pings but sends nothing: closed for idleness
    const s = await connect(url, token(b));
    expect((await s.closed).code).toBe(4000);
  });

  it('admission control: handshakes beyond the configured rate are shed with 503 and Retry-After, then admitted again', async () => {
    const gw = await startGateway(gatewayConfig('gw-admit', { admitHandshakesPerSec: 2, admitHandshakesBurst: 3 }));
    extra.push(gw);
    const url = `http://127.0.0.1:${gw.port}`;
    const many = users('admit', 8);
    const answers = await Promise.all(many.map((u) => rawRequest(url, handshake(token(u)), { keepOpenMs: 1, timeoutMs: 3000 })));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 101).length).toBeGreaterThanOrEqual(3);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(4);
    expect(answers.find((a) => a.status === 503)?.text).toMatch(/Retry-After: 1/i);
    await new Promise((r) => setTimeout(r, 1200));
    const later = await connect(url, token(many[0]!));
    later.close();
  });
});

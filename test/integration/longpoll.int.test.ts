import http from 'node:http';
import { describe, expect, inject, it } from 'vitest';
import { signToken } from '../../src/core/index.js';
import { createConversation, gateways, socketsPerTest, token, users } from './support.js';

const as = socketsPerTest();

type Frame = { type: string } & Record<string, any>;

/** A long-poll client as docs/protocol.md has it, over plain fetch. */
async function openSession(gw: string, user: string): Promise<string> {
  const res = await fetch(`${gw}/v1/lp`, { method: 'POST', headers: { authorization: `Bearer ${token(user)}` } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { sessionId: string }).sessionId;
}

async function post(gw: string, sid: string, body: unknown): Promise<Response> {
  return fetch(`${gw}/v1/lp/${sid}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

/** Polls until a frame matches (frames before it are dropped), within 15 s. */
async function pollFor(gw: string, sid: string, match: (f: Frame) => boolean, seen: Frame[] = []): Promise<Frame> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const res = await fetch(`${gw}/v1/lp/${sid}?wait=2000`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { frames: Frame[]; closed?: unknown };
    expect(body.closed).toBeUndefined();
    seen.push(...body.frames);
    const hit = body.frames.find(match);
    if (hit) return hit;
  }
  throw new Error('no matching frame within 15 s');
}

const errorCode = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

describe('long polling: the same routing as WebSocket, and bad requests refused at the edge', () => {
  it('a long-poll client gets what a WebSocket client sends, and the other way round, on different gateways', async () => {
    const [g1, g2] = gateways() as [string, string];
    const [w, l] = users('lp', 2) as [string, string];
    const conv = (await createConversation(g1, w, [w, l])).body.conversationId as string;
    const sid = await openSession(g2, l);
    const ws = await as(w, g1);

    ws.send({ type: 'send', clientMsgId: 'from-ws', conversationId: conv, body: 'hello long poll' });
    await ws.waitFor((f) => f.type === 'ack' && f.clientMsgId === 'from-ws');
    const got = await pollFor(g2, sid, (f) => f.type === 'message');
    expect(got).toMatchObject({ conversationId: conv, senderId: w, clientMsgId: 'from-ws', body: 'hello long poll' });

    expect((await post(g2, sid, [{ type: 'send', clientMsgId: 'from-lp', conversationId: conv, body: 'hello socket' }])).status).toBe(202);
    const ack = await pollFor(g2, sid, (f) => f.type === 'ack');
    expect(ack).toMatchObject({ clientMsgId: 'from-lp', conversationId: conv });
    const pushed = await ws.waitFor((f) => f.type === 'message' && f.clientMsgId === 'from-lp');
    expect(pushed).toMatchObject({ senderId: l, body: 'hello socket', messageId: ack['messageId'] });

    // sync goes the WebSocket's way: both messages, in id order
    expect((await post(g2, sid, { type: 'sync', conversationId: conv, after: '0' })).status).toBe(202);
    const page = await pollFor(g2, sid, (f) => f.type === 'sync_result');
    expect(page['messages'].map((m: Frame) => m['clientMsgId'])).toEqual(['from-ws', 'from-lp']);

    // a send the WebSocket would refuse is refused the same way, on the poll
    const [outsider] = users('lp-out', 1) as [string];
    const osid = await openSession(g2, outsider);
    expect((await post(g2, osid, { type: 'send', clientMsgId: 'x', conversationId: conv, body: 'let me in' })).status).toBe(202);
    expect(await pollFor(g2, osid, (f) => f.type === 'error')).toMatchObject({ code: 'not_member', ref: 'x' });

    const closed = await fetch(`${g2}/v1/lp/${sid}`, { method: 'DELETE' });
    expect(closed.status).toBe(204);
    expect((await fetch(`${g2}/v1/lp/${sid}?wait=0`)).status).toBe(404);
  });

  it('answers malformed long-poll requests with 400 and a stable code, and the gateway stays up and keeps delivering', async () => {
    const [g1] = gateways() as [string];
    const [a, b] = users('lp-bad', 2) as [string, string];
    const conv = (await createConversation(g1, a, [a, b])).body.conversationId as string;
    const sid = await openSession(g1, b);

    const bad: Array<[string, Promise<Response>, RegExp]> = [
      ['wait not a number', fetch(`${g1}/v1/lp/${sid}?wait=soon`), /^wait:/],
      ['wait too long', fetch(`${g1}/v1/lp/${sid}?wait=99999999`), /^wait:/],
      ['malformed session id', fetch(`${g1}/v1/lp/..%2F..%2Fetc`), /session id/],
      ['body not JSON', post(g1, sid, '{"type":'), /^bad_json/],
      ['unknown frame type', post(g1, sid, [{ type: 'send', clientMsgId: 'ok', conversationId: conv, body: 'x' }, { type: 'teleport' }]), /^frames\[1\]: unknown_type/],
      ['frame too large', post(g1, sid, { type: 'send', clientMsgId: 'big', conversationId: conv, body: 'x'.repeat(70 * 1024) }), /frame_too_large/],
      ['body too large', post(g1, sid, 'x'.repeat(2 * 1024 * 1024)), /larger than/],
      ['wrong method', fetch(`${g1}/v1/lp/${sid}`, { method: 'PUT' }), /use GET, POST, DELETE/],
    ];
    for (const [what, res, message] of bad) {
      const r = await res;
      expect(r.status, what).toBe(400);
      const e = await errorCode(r);
      expect(e.code, what).toBe('CHATLAB_E_BAD_REQUEST');
      expect(e.message, what).toMatch(message);
    }
    const noToken = await fetch(`${g1}/v1/lp`, { method: 'POST' });
    expect(noToken.status).toBe(401);
    expect((await errorCode(noToken)).code).toBe('CHATLAB_E_UNAUTHORIZED');
    const unknown = await fetch(`${g1}/v1/lp/AAAAAAAAAAAAAAAAAAAAAA?wait=0`);
    expect(unknown.status).toBe(404);
    expect((await errorCode(unknown)).code).toBe('CHATLAB_E_NOT_FOUND');

    // one poll at a time: a second while one waits is a 409 (first take what is buffered, the presence snapshot)
    const seen: Frame[] = [];
    for (;;) {
      const drained = (await (await fetch(`${g1}/v1/lp/${sid}?wait=0`)).json()) as { frames: Frame[] };
      seen.push(...drained.frames);
      if (drained.frames.length === 0) break;
    }
    const waiting = fetch(`${g1}/v1/lp/${sid}?wait=3000`);
    await new Promise((r) => setTimeout(r, 300));
    const second = await fetch(`${g1}/v1/lp/${sid}?wait=0`);
    expect(second.status).toBe(409);
    expect((await errorCode(second)).code).toBe('CHATLAB_E_CONFLICT');
    expect((await waiting).status).toBe(200);

    // none of the refused bodies was acted on: the first frame of the bad batch never went out
    expect((await fetch(`${g1}/healthz`)).status).toBe(200);
    const sa = await as(a, g1);
    sa.send({ type: 'send', clientMsgId: 'after', conversationId: conv, body: 'still here' });
    const got = await pollFor(g1, sid, (f) => f.type === 'message', seen);
    expect(got).toMatchObject({ clientMsgId: 'after', body: 'still here' });
    expect(seen.filter((f) => f.type === 'ack')).toEqual([]);
  });
});

describe('long polling: acknowledged polls and token expiry', () => {
  it('a poll response cut off in transit loses nothing: the next poll, acknowledging what the client got, gets it again', async () => {
    const [g1] = gateways() as [string];
    const [w, l] = users('lpack', 2) as [string, string];
    const conv = (await createConversation(g1, w, [w, l])).body.conversationId as string;
    const sid = await openSession(g1, l);
    const ws = await as(w, g1);
    ws.send({ type: 'send', clientMsgId: 'm1', conversationId: conv, body: 'do not lose me' });
    await ws.waitFor((f) => f.type === 'ack' && f.clientMsgId === 'm1');
    // the answer carrying it dies on its way: the connection is cut once its head arrived
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.get(`${g1}/v1/lp/${sid}?wait=5000&ack=0`, (res) => {
        res.socket.destroy();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
    });
    expect(status).toBe(200);
    const again = (await (await fetch(`${g1}/v1/lp/${sid}?wait=2000&ack=0`)).json()) as { frames: Frame[]; seq: number };
    expect(again.frames.filter((f) => f.type === 'message').map((f) => f['clientMsgId'])).toEqual(['m1']);
    // acknowledged: not again
    const next = (await (await fetch(`${g1}/v1/lp/${sid}?wait=0&ack=${again.seq}`)).json()) as { frames: Frame[]; seq: number };
    expect(next.frames).toEqual([]);
    expect(next.seq).toBe(again.seq);
  });

  it('a poll after the token it was opened with expired: 401, and the session is over', async () => {
    const [g1] = gateways() as [string];
    const [l] = users('lpexp', 1) as [string];
    const res = await fetch(`${g1}/v1/lp`, { method: 'POST', headers: { authorization: `Bearer ${signToken(l, inject('secret'), { ttlSec: 1 })}` } });
    expect(res.status).toBe(201);
    const sid = ((await res.json()) as { sessionId: string }).sessionId;
    expect((await fetch(`${g1}/v1/lp/${sid}?wait=0`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2100));
    const expired = await fetch(`${g1}/v1/lp/${sid}?wait=0`);
    expect(expired.status).toBe(401);
    expect((await errorCode(expired)).code).toBe('CHATLAB_E_UNAUTHORIZED');
    expect((await fetch(`${g1}/v1/lp/${sid}?wait=0`)).status).toBe(404);
  });
});

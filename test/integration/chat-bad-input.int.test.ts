import { describe, expect, it } from 'vitest';
import { connect } from '../support/ws-client.js';
import { createConversation, gateways, history, socketsPerTest, token, users } from './support.js';

const as = socketsPerTest();

async function stillHealthy(url: string) {
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
}

describe('chat core: bad input is refused, nothing crashes, nothing accepted is lost', () => {
  it('refuses an upgrade without a token or with a forged one (401)', async () => {
    const [g1] = gateways() as [string];
    await expect(connect(g1, null)).rejects.toMatchObject({ status: 401 });
    const forged = `${token('mallory').split('.')[0]}.AAAA`;
    await expect(connect(g1, forged)).rejects.toMatchObject({ status: 401 });
    const res = await fetch(`${g1}/v1/conversations`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(401);
    await stillHealthy(g1);
  });

  it('answers malformed JSON, unknown types and non-member sends with error frames and keeps the socket open', async () => {
    const [g1, g2] = gateways() as [string, string];
    const [a, b, outsider] = users('bad', 3) as [string, string, string];
    const conv = (await createConversation(g1, a, [a, b])).body.conversationId;
    const s = await as(outsider, g1);
    const sb = await as(b, g2);

    s.sendRaw('{not json');
    expect(await s.waitFor((f) => f.type === 'error')).toMatchObject({ code: 'bad_json' });
    s.send({ type: 'teleport', clientMsgId: 'x1' });
    expect(await s.waitFor((f) => f.type === 'error' && f.code === 'unknown_type')).toMatchObject({ ref: 'x1' });
    s.send({ type: 'send', clientMsgId: 'x2', conversationId: conv, body: '' });
    expect(await s.waitFor((f) => f.type === 'error' && f.ref === 'x2')).toMatchObject({ code: 'invalid_frame' });
    s.send({ type: 'send', clientMsgId: 'x3', conversationId: conv, body: 'let me in' });
    expect(await s.waitFor((f) => f.type === 'error' && f.ref === 'x3')).toMatchObject({ code: 'not_member' });
    s.send({ type: 'sync', conversationId: conv, after: 'abc' });
    expect(await s.waitFor((f) => f.type === 'error' && f.code === 'invalid_frame' && /after/.test(f.message))).toBeTruthy();

    // the socket is still open and usable, and b never saw the outsider's message
    expect(s.ws.readyState).toBe(s.ws.OPEN);
    const sa = await as(a, g1);
    sa.send({ type: 'send', clientMsgId: 'ok', conversationId: conv, body: 'fine' });
    await sa.waitFor((f) => f.type === 'ack');
    const got = await sb.waitFor((f) => f.type === 'message');
    expect(got.body).toBe('fine');
    await stillHealthy(g1);
  });

  it('closes an oversized frame with 1009 and a flood with 4008; accepted messages before the flood are kept', async () => {
    const [g1, g2] = gateways() as [string, string];
    const [a, b] = users('flood', 2) as [string, string];
    const conv = (await createConversation(g1, a, [a, b])).body.conversationId;

    const big = await as(a, g1);
    big.sendRaw(JSON.stringify({ type: 'send', clientMsgId: 'big', conversationId: conv, body: 'x'.repeat(70 * 1024) }));
    expect((await big.closed).code).toBe(1009);

    const flooder = await as(a, g2);
    const sb = await as(b, g1);
    flooder.send({ type: 'send', clientMsgId: 'before-flood', conversationId: conv, body: 'kept' });
    await flooder.waitFor((f) => f.type === 'ack');
    for (let i = 0; i < 2000 && flooder.ws.readyState === flooder.ws.OPEN; i++) flooder.send({ type: 'heartbeat' });
    expect((await flooder.closed).code).toBe(4008);
    const h = await history(g1, b, conv);
    expect(h.body.messages.map((m: any) => m.clientMsgId)).toContain('before-flood');
    expect((await sb.waitFor((f) => f.type === 'message')).clientMsgId).toBe('before-flood');
    await stillHealthy(g1);
    await stillHealthy(g2);
  });

  it('HTTP: bad ids in after are 400, non-members 403, unknown conversations 404, bad bodies 400', async () => {
    const [g1] = gateways() as [string];
    const [a, b, c] = users('http', 3) as [string, string, string];
    const conv = (await createConversation(g1, a, [a, b])).body.conversationId;
    expect((await history(g1, a, conv, '?after=12ab')).status).toBe(400);
    expect((await history(g1, a, conv, '?after=-1')).status).toBe(400);
    expect((await history(g1, a, conv, '?limit=501')).status).toBe(400);
    expect((await history(g1, c, conv)).status).toBe(403);
    expect((await history(g1, a, 'g_doesnotexist')).status).toBe(404);
    expect((await history(g1, null, conv)).status).toBe(401);
    const notMember = await createConversation(g1, c, [a, b]);
    expect(notMember.status).toBe(400);
    expect(notMember.body.error.message).toMatch(/caller/);
    const res = await fetch(`${g1}/v1/conversations`, { method: 'POST', headers: { authorization: `Bearer ${token(a)}` }, body: '{oops' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.code).toBe('CHATLAB_E_BAD_REQUEST');
    await stillHealthy(g1);
  });
});

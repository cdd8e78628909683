import { handshake, rawRequest } from './raw.js';
import { isOpen, openSocket } from './socket.js';
import type { Tally } from './tally.js';

export interface Target {
  name: string;
  url: string;
  kind: string;
}

const status = (a: { status: number }) => (a.status === 0 ? 'no answer' : String(a.status));

/** Request lines, URLs, headers and bodies no client should send, to every process. */
export async function malformedHttp(t: Tally, services: Target[], gateways: Target[], token: string, perTarget: number): Promise<void> {
  const all = 'every process';
  await Promise.all(
    services.flatMap((s) =>
      Array.from({ length: perTarget }, async () => {
        t.add('malformed request URL', all, '400', status(await rawRequest(s.url, 'GET //a:99999/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')));
        t.add('malformed request line', all, '400', status(await rawRequest(s.url, 'HELLO THERE\r\n\r\n')));
        t.add('oversized headers (20 KiB)', all, '431', status(await rawRequest(s.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)));
      }),
    ),
  );
  await Promise.all(
    gateways.flatMap((g) =>
      Array.from({ length: perTarget }, async () => {
        const pct = await rawRequest(g.url, `GET /v1/conversations/%E0%A4%A/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`);
        t.add('bad % in a path', 'gateways', '400', status(pct));
        const big = 5 * 1024 * 1024;
        const body = await rawRequest(
          g.url,
          `POST /v1/conversations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${big}\r\nConnection: close\r\n\r\n${'['.repeat(big)}`,
          { timeoutMs: 10_000 },
        );
        t.add('oversized body (5 MiB)', 'gateways', '400', status(body));
      }),
    ),
  );
}

/** Requests sent a byte at a time and never finished: answered 408 once the header timeout passes. */
export async function slowDrip(t: Tally, services: Target[], perTarget: number): Promise<void> {
  await Promise.all(
    services.flatMap((s) =>
      Array.from({ length: perTarget }, async () => {
        const a = await rawRequest(s.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ${'z'.repeat(200)}`, { dripMs: 250, timeoutMs: 20_000 });
        t.add('slow-drip request', 'every process', '408', status(a));
      }),
    ),
  );
}

/** Handshakes with bad headers, floods without a token, expired and forged tokens. */
export async function badUpgrades(t: Tally, gateways: Target[], tokens: { valid: string; expired: string; forged: string }, flood: number): Promise<void> {
  for (const g of gateways) {
    t.add('bad upgrade: Sec-WebSocket-Key', 'gateways', '400', status(await rawRequest(g.url, handshake(tokens.valid, { 'Sec-WebSocket-Key': 'not-a-key' }))));
    t.add('bad upgrade: Sec-WebSocket-Version', 'gateways', '400', status(await rawRequest(g.url, handshake(tokens.valid, { 'Sec-WebSocket-Version': '7' }))));
    t.add('bad upgrade: path', 'gateways', '404', status(await rawRequest(g.url, handshake(tokens.valid, {}, '/v1/nope'))));
    const refused = async (token: string | null) => {
      const s = await openSocket(g.url, token);
      if (isOpen(s)) {
        s.close();
        return 'opened';
      }
      return String(s.refused);
    };
    t.add('expired token (upgrade)', 'gateways', '401', await refused(tokens.expired));
    t.add('forged token (upgrade)', 'gateways', '401', await refused(tokens.forged));
    const http = await fetch(`${g.url}/v1/conversations`, { method: 'POST', headers: { authorization: `Bearer ${tokens.forged}` }, body: '{}' });
    t.add('forged token (HTTP)', 'gateways', '401', String(http.status));
    const answers = await Promise.all(Array.from({ length: flood }, () => refused(null)));
    for (const a of answers) t.add('unauthenticated connection flood', 'gateways', '401', a);
  }
}

/** Member-cap violations, creation and request floods of one user, giant `after` ranges over HTTP. */
export async function httpLimits(t: Tally, gateway: string, users: { a: string; conversationId: string; tokenOf(u: string): string }, n: number): Promise<void> {
  const { a, conversationId } = users;
  const auth = { authorization: `Bearer ${users.tokenOf(a)}`, 'content-type': 'application/json' };
  const create = (members: string[]) => fetch(`${gateway}/v1/conversations`, { method: 'POST', headers: auth, body: JSON.stringify({ members }) });
  for (let i = 0; i < n; i++) {
    const members = [a, ...Array.from({ length: 10_000 }, (_, k) => `${a}-cap${k}`)];
    t.add('member-cap violation (10,001 members)', 'gateway', '400', String((await create(members)).status));
  }
  // creation bursts 20 by default: 30 in a row must meet 429 (the first ones may pass)
  let saw429 = false;
  for (let i = 0; i < 30; i++) {
    const st = (await create([a, `${a}-r${i}a`, `${a}-r${i}b`])).status;
    saw429 ||= st === 429;
    t.add('conversation-creation flood (one user)', 'gateway', '201 then 429', String(st), st === 201 || st === 429);
  }
  if (!saw429) t.add('conversation-creation flood (one user)', 'gateway', '201 then 429', 'never 429', false);
  const started = Date.now();
  const giant = await fetch(`${gateway}/v1/conversations/${conversationId}/messages?after=1&limit=500`, { headers: auth });
  t.add('giant after range (HTTP)', 'gateway', '200', String(giant.status), giant.status === 200 && Date.now() - started < 10_000);
  await new Promise((r) => setTimeout(r, 2500)); // let the request bucket refill a little
  const statuses = await Promise.all(Array.from({ length: 80 }, () => fetch(`${gateway}/v1/conversations/${conversationId}/messages?limit=1`, { headers: auth }).then((r) => r.status)));
  for (const st of statuses) t.add('HTTP request flood (one user)', 'gateway', '200 then 429', String(st), st === 200 || st === 429);
  if (!statuses.includes(429)) t.add('HTTP request flood (one user)', 'gateway', '200 then 429', 'never 429', false);
}

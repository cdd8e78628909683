import crypto from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { readState, startComponent, startService, stopComponent, stopService } from '../../src/stack/index.js';
import { connect, scrapeMetric } from '../support/ws-client.js';
import { createConversation, gateways, token, users } from './support.js';

/**
 * A two-member conversation on gateway 1, a word unique to the test, and `send(from, to)`:
 * messages from..to-1 carrying the word, resolved once all up to `to` are acked.
 */
async function wordSender(userPrefix: string, wordPrefix: string, bodyPrefix: string, idPrefix: string, ackTimeoutMs: number) {
  const [g1] = gateways() as [string];
  const [a, b] = users(userPrefix, 2) as [string, string];
  const conv = (await createConversation(g1, a, [a, b])).body.conversationId as string;
  const word = `${wordPrefix}${crypto.randomBytes(4).toString('hex')}`;
  const s = await connect(g1, token(a));
  const send = async (from: number, to: number) => {
    for (let i = from; i < to; i++) s.send({ type: 'send', clientMsgId: `${idPrefix}${i}`, conversationId: conv, body: `${bodyPrefix} ${i} ${word}` });
    await s.waitForCount((f) => f.type === 'ack', to, ackTimeoutMs);
  };
  return { g1, a, b, conv, word, s, send };
}

async function search(gatewayUrl: string, caller: string | null, query: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${gatewayUrl}/v1/search?${query}`, { headers: caller ? { authorization: `Bearer ${token(caller)}` } : {} });
  return { status: res.status, body: await res.json() };
}

/** Polls until the search returns at least `n` hits (indexing is asynchronous), bounded. */
async function searchUntil(gatewayUrl: string, caller: string, query: string, n: number, timeoutMs = 90_000): Promise<any> {
  const until = Date.now() + timeoutMs;
  let last: { status: number; body: any } | undefined;
  while (Date.now() < until) {
    last = await search(gatewayUrl, caller, query);
    if (last.status === 200 && last.body.hits.length >= n) return last.body;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`search ${query} did not reach ${n} hits: ${JSON.stringify(last)}`);
}

/** p50/p99 upper bounds from a Prometheus histogram's buckets, for the log (a measurement, not an assertion). */
async function histogramQuantiles(url: string, name: string): Promise<string> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const buckets = [...text.matchAll(new RegExp(`^${name}_bucket\\{[^}]*le="([^"]+)"[^}]*\\} (\\S+)$`, 'gm'))].map((m) => [m[1]!, Number(m[2])] as const);
  const total = buckets.find(([le]) => le === '+Inf')?.[1] ?? 0;
  const at = (p: number) => buckets.find(([, n]) => n >= p * total)?.[0] ?? 'n/a';
  return `n=${total} p50<=${at(0.5)}s p99<=${at(0.99)}s`;
}

const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

describe('cloud search: WebSocket → Kafka → indexer → /v1/search', () => {
  it('finds English and Chinese messages for members only, newest first, with highlights and a cursor', async () => {
    const [g1] = gateways() as [string];
    const [a, b, c] = users('srch', 3) as [string, string, string];
    const conv = (await createConversation(g1, a, [a, b])).body.conversationId as string;
    const other = (await createConversation(g1, c, [c, a])).body.conversationId as string;
    expect(other).toBeTruthy();
    const word = `zeb${crypto.randomBytes(4).toString('hex')}`;
    const s = await connect(g1, token(a));
    const bodies = [`the quick ${word} jumps`, `我们明天讨论分布式数据库的设计 ${word}`, `Second ${word.toUpperCase()} message`];
    bodies.forEach((body, i) => s.send({ type: 'send', clientMsgId: `k${i}`, conversationId: conv, body }));
    await s.waitForCount((f) => f.type === 'ack', 3, 30_000);
    s.close();

    // English, case-insensitive, newest first, highlighted
    const all = await searchUntil(g1, b, q({ q: word }), 3);
    expect(all.hits.map((h: any) => h.clientMsgId)).toEqual(['k2', 'k1', 'k0']);
    expect(all.hits[2]).toMatchObject({ conversationId: conv, senderId: a, body: bodies[0], sentAt: expect.any(Number), messageId: expect.stringMatching(/^\d+$/) });
    expect(all.hits[2].highlight.join(' ')).toContain(`<em>${word}</em>`);
    expect(all.nextCursor).toBeUndefined();

    // Chinese: a word inside a sentence, without spaces
    const zh = await searchUntil(g1, b, q({ q: '数据库', conversationId: conv }), 1);
    expect(zh.hits.map((h: any) => h.clientMsgId)).toEqual(['k1']);
    expect(zh.hits[0].highlight.join('')).toContain('<em>');
    expect((await search(g1, b, q({ q: '数据仓库', conversationId: conv }))).body.hits).toEqual([]);

    // pages by cursor
    const p1 = (await search(g1, a, q({ q: word, limit: '2' }))).body;
    expect(p1.hits.map((h: any) => h.clientMsgId)).toEqual(['k2', 'k1']);
    const p2 = (await search(g1, a, q({ q: word, limit: '2', cursor: p1.nextCursor }))).body;
    expect(p2.hits.map((h: any) => h.clientMsgId)).toEqual(['k0']);
    expect(p2.nextCursor).toBeUndefined();

    const indexer = inject('services').find((svc) => svc.kind === 'indexer')!;
    process.stderr.write(`[search] send→searchable ${await histogramQuantiles(indexer.url, 'chatlab_indexer_latency_seconds')}\n`);

    // a non-member finds nothing, and is refused a conversation they are not in
    expect((await search(g1, c, q({ q: word }))).body).toEqual({ hits: [] });
    const forbidden = await search(g1, c, q({ q: word, conversationId: conv }));
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('CHATLAB_E_FORBIDDEN');

    // edge validation
    expect((await search(g1, b, q({ q: word, limit: '0' }))).body.error.code).toBe('CHATLAB_E_BAD_REQUEST');
    expect((await search(g1, b, q({ q: '' }))).status).toBe(400);
    expect((await search(g1, b, q({ q: word, cursor: 'nope' }))).status).toBe(400);
    expect((await search(g1, null, q({ q: word }))).status).toBe(401);
  });

  it('the indexer stopped and started again indexes what was sent meanwhile, nothing lost', async () => {
    const stateDir = inject('stateDir');
    const indexer = inject('services').find((svc) => svc.kind === 'indexer')!;
    const { g1, a, b, conv, word, s, send } = await wordSender('srchr', 'rst', 'msg', 'k', 30_000);
    await send(0, 10);
    await searchUntil(g1, b, q({ q: word, conversationId: conv, limit: '100' }), 10);
    await stopService(stateDir, 'indexer', 'kill');
    try {
      await send(10, 60); // acked (durable in Kafka) while nothing indexes
    } finally {
      await startService(stateDir, 'indexer');
    }
    const found = await searchUntil(g1, b, q({ q: word, conversationId: conv, limit: '100' }), 60);
    s.close();
    const ids = found.hits.map((h: any) => h.clientMsgId as string);
    expect(ids.length).toBe(60);
    expect(new Set(ids).size).toBe(60);
    expect(await scrapeMetric(indexer.url, 'chatlab_indexed_total')).toBeGreaterThanOrEqual(50);
    process.stderr.write(`[search] after restart (includes the outage): send→searchable ${await histogramQuantiles(indexer.url, 'chatlab_indexer_latency_seconds')}\n`);
  });

  // native: the engine is a process chatlab owns and can stop (containers and external: not ours to stop)
  it(
    'answers 503 CHATLAB_E_UNAVAILABLE while the engine is down, and once it is back finds what was sent meanwhile',
    async (ctx) => {
      const stateDir = inject('stateDir');
      if (readState(stateDir)?.provider !== 'native') ctx.skip();
      const { g1, a, b, conv, word, s, send } = await wordSender('srche', 'eng', 'down', 'e', 60_000);
      try {
        await send(0, 5);
        await searchUntil(g1, b, q({ q: word, conversationId: conv }), 5);
        await stopComponent(stateDir, 'search');
        try {
          const down = await search(g1, b, q({ q: word }));
          expect(down.status).toBe(503);
          expect(down.body.error.code).toBe('CHATLAB_E_UNAVAILABLE');
          await send(5, 20); // acked (durable in Kafka) while nothing can be indexed
        } finally {
          await startComponent(stateDir, 'search');
        }
        const found = await searchUntil(g1, b, q({ q: word, conversationId: conv, limit: '100' }), 20, 180_000);
        const ids = found.hits.map((h: any) => h.clientMsgId as string);
        expect(new Set(ids).size).toBe(20);
        expect(ids).toEqual(Array.from({ length: 20 }, (_, i) => `e${19 - i}`));
      } finally {
        s.close();
      }
    },
    360_000,
  );
});

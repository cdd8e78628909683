import { afterAll, describe, expect, inject, it } from 'vitest';
import { searchClusterHealth, searchRequest } from '../../src/infra/index.js';
import { readState, startComponent, stopComponent } from '../../src/stack/index.js';
import { endpoints, uniqueName } from './support.js';

/**
 * The fourth backing system: the search engine chatlab up starts. What the indexer will rely on:
 * it answers, an index with a CJK-capable analyzer can be made, and both Chinese and English
 * text are found in it.
 */
const created: string[] = [];
afterAll(async () => {
  for (const index of created) await searchRequest(endpoints().search.url, 'DELETE', `/${index}`).catch(() => {});
});

async function createIndex(url: string, index: string): Promise<void> {
  created.push(index);
  const res = await searchRequest(url, 'PUT', `/${index}`, {
    body: {
      settings: { number_of_shards: 1, analysis: { analyzer: { body: { type: 'cjk' } } } },
      mappings: {
        properties: {
          conversationId: { type: 'keyword' },
          id: { type: 'long' },
          body: { type: 'text', analyzer: 'body' },
        },
      },
    },
    timeoutMs: 30_000,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

async function search(url: string, index: string, query: object): Promise<{ hits: Array<{ _id: string; highlight?: { body: string[] } }>; total: number }> {
  const res = await searchRequest<{ hits: { total: { value: number }; hits: Array<{ _id: string; highlight?: { body: string[] } }> } }>(
    url,
    'POST',
    `/${index}/_search`,
    // a JVM just restarted on a loaded 2-core machine answers its first query slowly: correctness, not speed, here
    { body: { query, highlight: { fields: { body: {} } } }, timeoutMs: 60_000 },
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { hits: res.body.hits.hits, total: res.body.hits.total.value };
}

describe('the search engine chatlab up starts', () => {
  it('answers: cluster health at least yellow, and a version', async () => {
    const { url } = endpoints().search;
    expect(url).toMatch(/^https?:\/\/[^/]+:\d+$/);
    expect(await searchClusterHealth(url)).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('indexes a Chinese and an English message with the cjk analyzer and finds each by its words', async () => {
    const { url } = endpoints().search;
    const index = uniqueName('it-search');
    await createIndex(url, index);
    const docs = [
      { id: 1, conversationId: 'c1', body: '我们明天去北京开会' },
      { id: 2, conversationId: 'c1', body: 'Meeting tomorrow in Beijing' },
    ];
    const bulk = `${docs.map((d) => `${JSON.stringify({ index: { _id: String(d.id) } })}\n${JSON.stringify(d)}\n`).join('')}`;
    const res = await fetch(`${url}/${index}/_bulk?refresh=true`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: bulk });
    const body = (await res.json()) as { errors: boolean };
    expect(res.status).toBe(200);
    expect(body.errors).toBe(false);

    // a two-character Chinese word inside a sentence without spaces: what the cjk bigrams are for
    const chinese = await search(url, index, { match_phrase: { body: '北京开会' } });
    expect(chinese.hits.map((h) => h._id)).toEqual(['1']);
    expect(chinese.hits[0]!.highlight?.body[0]).toContain('<em>北京开会</em>');
    expect((await search(url, index, { match: { body: '明天' } })).hits.map((h) => h._id)).toEqual(['1']);

    // English: lower-cased words, as the standard analyzer would
    expect((await search(url, index, { match: { body: 'beijing' } })).hits.map((h) => h._id)).toEqual(['2']);
    // and a word in neither finds nothing
    expect((await search(url, index, { match: { body: '上海' } })).total).toBe(0);
  });

  // chatlab sets the replica default on the engines it starts, never on the user's own cluster
  it.skipIf(process.env['CHATLAB_TEST_INFRA'] === 'external')('keeps an index green on one node (no replica to wait for)', async () => {
    const { url } = endpoints().search;
    const index = uniqueName('it-search-green');
    await createIndex(url, index);
    const health = await searchRequest<{ status: string }>(url, 'GET', `/_cluster/health/${index}?wait_for_status=green&timeout=10s`, { timeoutMs: 15_000 });
    expect(health.body.status).toBe('green');
  });

  // the restart fault of a later scenario: same port, same data
  it(
    'comes back after a stop on the same URL with its indexed documents (native: a process chatlab owns)',
    async (ctx) => {
      const stateDir = inject('stateDir');
      if (readState(stateDir)?.provider !== 'native') ctx.skip();
      const { url } = endpoints().search;
      const index = uniqueName('it-search-restart');
      await createIndex(url, index);
      const put = await searchRequest(url, 'PUT', `/${index}/_doc/7?refresh=true`, { body: { id: 7, conversationId: 'c', body: '重启以后还在 still here' } });
      expect(put.status).toBe(201);
      await stopComponent(stateDir, 'search');
      await expect(searchClusterHealth(url)).rejects.toThrow(/ECONNREFUSED/);
      await startComponent(stateDir, 'search');
      expect((await search(url, index, { match_phrase: { body: '还在' } })).hits.map((h) => h._id)).toEqual(['7']);
    },
    180_000,
  );
});

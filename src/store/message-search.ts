/**
 * One page of search results from the `messages` index, restricted to the given conversations
 * (the caller's memberships: the filter is applied by the server, never taken from the client).
 */
import { searchRequest } from './search-http.js';
import type { Message } from '../core/index.js';
import { MESSAGES_INDEX } from './search-index.js';

export type SearchHit = Message & { highlight?: string[] };

export interface SearchPage {
  hits: SearchHit[];
  /** The sort key of the last hit, when another page may follow. */
  nextAfter?: string;
}

interface EngineHit {
  _source: Message & { sortKey: string };
  sort?: unknown[];
  highlight?: { body?: string[] };
}

export async function searchMessages(
  url: string,
  input: { q: string; conversationIds: string[]; limit: number; after?: string },
  index = MESSAGES_INDEX,
): Promise<SearchPage> {
  if (input.conversationIds.length === 0) return { hits: [] };
  const body = {
    size: input.limit + 1,
    track_total_hits: false,
    query: {
      bool: {
        // every word (every CJK bigram) of q must be in the body
        must: [{ match: { body: { query: input.q, operator: 'and' } } }],
        filter: [{ terms: { conversationId: input.conversationIds } }],
      },
    },
    // newest first: Snowflake ids grow with time
    sort: [{ sortKey: 'desc' }],
    ...(input.after ? { search_after: [input.after] } : {}),
    highlight: { fields: { body: { number_of_fragments: 3, fragment_size: 150 } }, pre_tags: ['<em>'], post_tags: ['</em>'] },
  };
  // ignore_unavailable: before the first message is indexed there is no index, and that is "no hits"
  const res = await searchRequest<{ hits?: { hits?: EngineHit[] }; error?: unknown }>(url, 'POST', `/${index}/_search?ignore_unavailable=true`, { body });
  if (res.status !== 200) throw new Error(`search engine answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
  const raw = res.body.hits?.hits ?? [];
  const page = raw.slice(0, input.limit);
  const hits = page.map((h): SearchHit => {
    const { conversationId, messageId, senderId, clientMsgId, body: text, sentAt } = h._source;
    const hit: SearchHit = { conversationId, messageId, senderId, clientMsgId, body: text, sentAt };
    if (h.highlight?.body) hit.highlight = h.highlight.body;
    return hit;
  });
  const last = page[page.length - 1];
  return raw.length > input.limit && last ? { hits, nextAfter: last._source.sortKey } : { hits };
}

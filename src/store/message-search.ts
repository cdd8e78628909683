/**
 * One page of search results from the `messages` index, restricted to the given conversations
 * (the caller's memberships: the filter is applied by the server, never taken from the client).
 */
import { searchRequest } from './search-http.js';
import type { Message } from '../core/index.js';
import { MESSAGES_INDEX, sortKeyOf } from './search-index.js';
import { FOUNDER_SPANS, type Span } from './spans.js';

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
  input: { q: string; conversationIds: string[]; limit: number; after?: string; spans?: ReadonlyMap<string, readonly Span[]> },
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
        filter: [membersOnlyFilter(input.conversationIds, input.spans)],
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

/**
 * The conversations a caller may search, each cut to their spans (src/store/spans.ts): a member
 * added later sees nothing from before their join, one who left and came back nothing from
 * while they were away. A conversation without spans (a founding member who never changed) is
 * matched whole; the others by the sort key (the zero-padded id, so its order is the id's).
 */
export function membersOnlyFilter(conversationIds: readonly string[], spans?: ReadonlyMap<string, readonly Span[]>): Record<string, unknown> {
  const whole: string[] = [];
  const cut: Array<Record<string, unknown>> = [];
  for (const id of conversationIds) {
    const s = spans?.get(id);
    if (!s || isFounder(s)) {
      whole.push(id);
      continue;
    }
    if (s.length === 0) continue;
    const ranges = s.map((span) => ({ range: { sortKey: { gt: sortKeyOf(span.join), ...(span.leave === null ? {} : { lt: sortKeyOf(span.leave) }) } } }));
    cut.push({ bool: { filter: [{ term: { conversationId: id } }], should: ranges, minimum_should_match: 1 } });
  }
  const should: Array<Record<string, unknown>> = [];
  if (whole.length > 0) should.push({ terms: { conversationId: whole } });
  should.push(...cut);
  // nothing visible at all: a filter that matches no document
  if (should.length === 0) return { bool: { must_not: [{ match_all: {} }] } };
  return { bool: { should, minimum_should_match: 1 } };
}

function isFounder(spans: readonly Span[]): boolean {
  return spans.length === 1 && spans[0]!.join === FOUNDER_SPANS[0]!.join && spans[0]!.leave === null;
}

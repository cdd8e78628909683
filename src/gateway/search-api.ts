/**
 * `GET /v1/search` (docs/protocol.md, HTTP): full-text search over the caller's conversations.
 * Membership is the server's: the filter is the caller's conversation set, each cut to the
 * stretches they were a member (their spans), and a named conversation they are not in is 403,
 * as for history. The engine down is a plain error,
 * which the API's error mapping turns into 503 CHATLAB_E_UNAVAILABLE.
 */
import type http from 'node:http';
import { ChatlabError, ErrorCodes, sendJson } from '../core/index.js';
import { searchMessages } from '../store/index.js';
import type { GatewayContext } from './context.js';
import { encodeCursor, parseSearchQuery } from './search-query.js';

export function isSearchPath(pathname: string): boolean {
  return pathname === '/v1/search';
}

export async function handleSearch(ctx: GatewayContext, searchUrl: string | undefined, userId: string, req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
  if (req.method !== 'GET') {
    res.setHeader('allow', 'GET');
    throw new ChatlabError(ErrorCodes.BAD_REQUEST, 'use GET');
  }
  const query = parseSearchQuery(url.searchParams);
  let conversationIds: string[];
  if (query.conversationId) {
    const conversation = await ctx.conversations.get(query.conversationId);
    if (!conversation) throw new ChatlabError(ErrorCodes.NOT_FOUND, `no conversation ${query.conversationId}`);
    if (!ctx.conversations.isMember(query.conversationId, userId)) throw new ChatlabError(ErrorCodes.FORBIDDEN, `${userId} is not a member of ${query.conversationId}`);
    conversationIds = [query.conversationId];
  } else {
    conversationIds = await ctx.conversations.raw.conversationsOf(userId);
  }
  if (!searchUrl) throw new Error('no search engine configured');
  // members only, over time: each conversation cut to the caller's spans, as history is
  const spans = await ctx.conversations.raw.spansOfMany(conversationIds, userId);
  const page = await searchMessages(searchUrl, { q: query.q, conversationIds, spans, limit: query.limit, ...(query.after ? { after: query.after } : {}) });
  sendJson(res, 200, page.nextAfter ? { hits: page.hits, nextCursor: encodeCursor(page.nextAfter) } : { hits: page.hits });
}

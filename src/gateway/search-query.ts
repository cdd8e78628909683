/**
 * `GET /v1/search` input, validated at the edge: the query string and the opaque cursor.
 * Bad input is CHATLAB_E_BAD_REQUEST (400) with a message naming the parameter.
 */
import { z } from 'zod';
import { ChatlabError, ErrorCodes, conversationIdSchema, describeIssue } from '../core/index.js';

export const SEARCH_DEFAULT_LIMIT = 20;
export const SEARCH_MAX_LIMIT = 100;
export const SEARCH_MAX_QUERY_CHARS = 256;

const searchQuerySchema = z.object({
  q: z.string().trim().min(1, 'q must not be empty').max(SEARCH_MAX_QUERY_CHARS, `q is at most ${SEARCH_MAX_QUERY_CHARS} characters`),
  conversationId: conversationIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(SEARCH_MAX_LIMIT).default(SEARCH_DEFAULT_LIMIT),
  cursor: z.string().max(200).optional(),
});

export interface SearchQuery {
  q: string;
  conversationId?: string;
  limit: number;
  /** The sort key of the last hit of the previous page (search_after). */
  after?: string;
}

/** The cursor is the last hit's 19-digit sort key in base64url: opaque to clients, checked here. */
export function encodeCursor(sortKey: string): string {
  return Buffer.from(`v1:${sortKey}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^v1:(\d{19})$/.exec(text);
  if (!m) throw new ChatlabError(ErrorCodes.BAD_REQUEST, 'cursor is not one this server gave out');
  return m[1]!;
}

export function parseSearchQuery(params: URLSearchParams): SearchQuery {
  for (const key of ['q', 'conversationId', 'limit', 'cursor']) {
    if (params.getAll(key).length > 1) throw new ChatlabError(ErrorCodes.BAD_REQUEST, `${key} given more than once`);
  }
  const parsed = searchQuerySchema.safeParse({
    q: params.get('q') ?? undefined,
    conversationId: params.get('conversationId') ?? undefined,
    limit: params.get('limit') ?? undefined,
    cursor: params.get('cursor') ?? undefined,
  });
  if (!parsed.success) throw new ChatlabError(ErrorCodes.BAD_REQUEST, describeIssue(parsed.error));
  const { q, conversationId, limit, cursor } = parsed.data;
  return { q, limit, ...(conversationId ? { conversationId } : {}), ...(cursor !== undefined ? { after: decodeCursor(cursor) } : {}) };
}

import type http from 'node:http';
import {
  ChatlabError,
  ErrorCodes,
  parseCreateConversationBody,
  parseAddMembersBody,
  parseConversationIdParam,
  parseHistoryQuery,
  parseMessageIdParam,
  parseUserIdParam,
  sendJson,
  verifyToken,
  type CreateConversationResponse,
  type MembersResponse,
  type RouteHandler,
} from '../core/index.js';
import { encodeControl, publishBatched } from '../store/index.js';
import { changeMembers } from './members-api.js';
import { deleteMessage } from './delete-api.js';
import { readVisibleHistory } from './visible-history.js';
import { tokenFromRequest } from './auth.js';
import { streamMayBeLost, type GatewayContext } from './context.js';
import { UserRateLimiter } from './user-limits.js';
import { handleSearch, isSearchPath } from './search-api.js';

const MAX_BODY_BYTES = 4 * 1024 * 1024;
const STATUS: Partial<Record<string, number>> = {
  [ErrorCodes.BAD_REQUEST]: 400,
  [ErrorCodes.CONFLICT]: 409,
  [ErrorCodes.UNAUTHORIZED]: 401,
  [ErrorCodes.FORBIDDEN]: 403,
  [ErrorCodes.NOT_FOUND]: 404,
  [ErrorCodes.RATE_LIMITED]: 429,
};

/** The gateway's REST API (docs/protocol.md, HTTP); errors are `{"error":{"code","message"}}`. */
export function gatewayApi(ctx: GatewayContext, secret: string, log: (line: string) => void = () => {}, searchUrl?: string): RouteHandler {
  const requests = new UserRateLimiter(ctx.options.httpRatePerSec, ctx.options.httpRateBurst);
  const creations = new UserRateLimiter(ctx.options.createRatePerSec, ctx.options.createRateBurst);
  const limit = (limiter: UserRateLimiter, userId: string, what: string) => {
    if (!limiter.take(userId)) throw new ChatlabError(ErrorCodes.RATE_LIMITED, `too many ${what}: slow down`);
  };
  return async (req, res, url) => {
    const history = /^\/v1\/conversations\/([^/]+)\/messages$/.exec(url.pathname);
    const isCreate = url.pathname === '/v1/conversations';
    const isSearch = isSearchPath(url.pathname);
    const members = /^\/v1\/conversations\/([^/]+)\/members(?:\/([^/]+))?$/.exec(url.pathname);
    const oneMessage = /^\/v1\/conversations\/([^/]+)\/messages\/([^/]+)$/.exec(url.pathname);
    if (!history && !isCreate && !isSearch && !members && !oneMessage) return false;
    try {
      const userId = authenticate(req, secret);
      limit(requests, userId, 'requests');
      if (isSearch) {
        await handleSearch(ctx, searchUrl, userId, req, res, url);
        return true;
      }
      if (isCreate) {
        if (req.method !== 'POST') throw methodNotAllowed(res, 'POST');
        limit(creations, userId, 'conversations created');
        const body = parseCreateConversationBody(await readJson(req), userId, ctx.options.maxMembers);
        const c = await ctx.conversations.raw.create(body.members, body.name);
        ctx.conversations.put(c);
        await announceJoined(ctx, c.conversationId, c.members);
        const response: CreateConversationResponse = { conversationId: c.conversationId, members: c.members, kind: c.kind };
        sendJson(res, 201, response);
        return true;
      }
      if (members) {
        const conversationId = decodePathSegment(members[1]!);
        const target = members[2];
        let response: MembersResponse;
        if (target === undefined) {
          if (req.method !== 'POST') throw methodNotAllowed(res, 'POST');
          limit(creations, userId, 'member changes');
          response = await changeMembers(ctx, userId, conversationId, 'joined', parseAddMembersBody(await readJson(req)).userIds, log);
        } else {
          if (req.method !== 'DELETE') throw methodNotAllowed(res, 'DELETE');
          limit(creations, userId, 'member changes');
          response = await changeMembers(ctx, userId, conversationId, 'left', [parseUserIdParam(decodePathSegment(target))], log);
        }
        sendJson(res, 200, response);
        return true;
      }
      if (oneMessage) {
        if (req.method !== 'DELETE') throw methodNotAllowed(res, 'DELETE');
        const conversationId = parseConversationIdParam(decodePathSegment(oneMessage[1]!));
        const messageId = parseMessageIdParam(decodePathSegment(oneMessage[2]!));
        sendJson(res, 200, await deleteMessage(ctx, userId, conversationId, messageId));
        return true;
      }
      if (req.method !== 'GET') throw methodNotAllowed(res, 'GET');
      const conversationId = decodePathSegment(history![1]!);
      const query = parseHistoryQuery(url.searchParams);
      const conversation = await ctx.conversations.get(conversationId);
      if (!conversation) throw new ChatlabError(ErrorCodes.NOT_FOUND, `no conversation ${conversationId}`);
      if (!ctx.conversations.isMember(conversationId, userId)) throw new ChatlabError(ErrorCodes.FORBIDDEN, `${userId} is not a member of ${conversationId}`);
      const page = await readVisibleHistory(ctx, userId, {
        store: ctx.messages,
        redis: ctx.redis,
        recentKey: ctx.keys.recent(conversationId),
        conversationId,
        after: query.after,
        limit: query.limit,
        fromMs: conversation.createdAt,
        streamMayBeLost: streamMayBeLost(ctx),
      });
      sendJson(res, 200, page);
      return true;
    } catch (err) {
      sendApiError(req, res, url, err, log);
      return true;
    }
  };
}

/**
 * A failed API call answered: a ChatlabError with its status and code; anything else is a
 * dependency's failure, logged (a driver's message names hosts and queries) and answered 503.
 */
export function sendApiError(req: http.IncomingMessage, res: http.ServerResponse, url: URL, err: unknown, log: (line: string) => void): void {
  if (res.headersSent) return;
  const status = err instanceof ChatlabError ? STATUS[err.code] : undefined;
  if (status) sendJson(res, status, { error: { code: (err as ChatlabError).code, message: (err as ChatlabError).message } });
  else {
    log(`${req.method} ${url.pathname}: ${err instanceof Error ? err.message : String(err)}`);
    sendJson(res, 503, { error: { code: ErrorCodes.UNAVAILABLE, message: 'a dependency is unavailable, try again' } });
  }
}

/** Members already connected somewhere learn of the new conversation (group routing needs it). */
async function announceJoined(ctx: GatewayContext, conversationId: string, members: string[]): Promise<void> {
  const payload = encodeControl({ op: 'joined', conversationId, size: members.length });
  await publishBatched(ctx.redis, members.map((m) => [ctx.keys.inbox(m), payload] as const), Math.max(1, members.length));
}

export function authenticate(req: http.IncomingMessage, secret: string): string {
  const token = tokenFromRequest(req);
  if (!token) throw new ChatlabError(ErrorCodes.UNAUTHORIZED, 'missing bearer token');
  const verified = verifyToken(token, secret);
  if (!verified.ok) throw new ChatlabError(ErrorCodes.UNAUTHORIZED, `invalid token (${verified.reason})`);
  return verified.userId;
}

/** `%zz` is the client's mistake (400), not an outage. */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ChatlabError(ErrorCodes.BAD_REQUEST, 'malformed percent-encoding in the path');
  }
}

export function methodNotAllowed(res: http.ServerResponse, allow: string): ChatlabError {
  res.setHeader('allow', allow);
  return new ChatlabError(ErrorCodes.BAD_REQUEST, `use ${allow}`);
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const body = await readBody(req, MAX_BODY_BYTES);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new ChatlabError(ErrorCodes.BAD_REQUEST, 'body is not valid JSON');
  }
}

/** A request body up to `maxBytes` (beyond it a 400, read no further). */
export async function readBody(req: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new ChatlabError(ErrorCodes.BAD_REQUEST, `body larger than ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

import type http from 'node:http';
import {
  ChatlabError,
  ErrorCodes,
  parseCreateConversationBody,
  parseHistoryQuery,
  sendJson,
  verifyToken,
  type CreateConversationResponse,
  type RouteHandler,
} from '../core/index.js';
import { encodeControl, publishBatched, readHistory } from '../store/index.js';
import { tokenFromRequest } from './auth.js';
import { streamMayBeLost, type GatewayContext } from './context.js';

const MAX_BODY_BYTES = 4 * 1024 * 1024;
const STATUS: Partial<Record<string, number>> = {
  [ErrorCodes.BAD_REQUEST]: 400,
  [ErrorCodes.UNAUTHORIZED]: 401,
  [ErrorCodes.FORBIDDEN]: 403,
  [ErrorCodes.NOT_FOUND]: 404,
};

/** The gateway's REST API (PROTOCOL.md §HTTP); errors are `{"error":{"code","message"}}`. */
export function gatewayApi(ctx: GatewayContext, secret: string): RouteHandler {
  return async (req, res, url) => {
    const history = /^\/v1\/conversations\/([^/]+)\/messages$/.exec(url.pathname);
    const isCreate = url.pathname === '/v1/conversations';
    if (!history && !isCreate) return false;
    try {
      const userId = authenticate(req, secret);
      if (isCreate) {
        if (req.method !== 'POST') throw methodNotAllowed(res, 'POST');
        const body = parseCreateConversationBody(await readJson(req), userId);
        const c = await ctx.conversations.raw.create(body.members, body.name);
        ctx.conversations.put(c);
        await announceJoined(ctx, c.conversationId, c.members);
        const response: CreateConversationResponse = { conversationId: c.conversationId, members: c.members, kind: c.kind };
        sendJson(res, 201, response);
        return true;
      }
      if (req.method !== 'GET') throw methodNotAllowed(res, 'GET');
      const conversationId = decodeURIComponent(history![1]!);
      const query = parseHistoryQuery(url.searchParams);
      const conversation = await ctx.conversations.get(conversationId);
      if (!conversation) throw new ChatlabError(ErrorCodes.NOT_FOUND, `no conversation ${conversationId}`);
      if (!ctx.conversations.isMember(conversationId, userId)) throw new ChatlabError(ErrorCodes.FORBIDDEN, `${userId} is not a member of ${conversationId}`);
      const page = await readHistory({
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
      if (res.headersSent) return true;
      const status = err instanceof ChatlabError ? STATUS[err.code] : undefined;
      if (status) sendJson(res, status, { error: { code: (err as ChatlabError).code, message: (err as ChatlabError).message } });
      else sendJson(res, 503, { error: { code: 'CHATLAB_E_UNAVAILABLE', message: err instanceof Error ? err.message : String(err) } });
      return true;
    }
  };
}

/** Members already connected somewhere learn of the new conversation (group routing needs it). */
async function announceJoined(ctx: GatewayContext, conversationId: string, members: string[]): Promise<void> {
  const payload = encodeControl({ op: 'joined', conversationId, size: members.length });
  await publishBatched(ctx.redis, members.map((m) => [ctx.keys.inbox(m), payload] as const), Math.max(1, members.length));
}

function authenticate(req: http.IncomingMessage, secret: string): string {
  const token = tokenFromRequest(req);
  if (!token) throw new ChatlabError(ErrorCodes.UNAUTHORIZED, 'missing bearer token');
  const verified = verifyToken(token, secret);
  if (!verified.ok) throw new ChatlabError(ErrorCodes.UNAUTHORIZED, `invalid token (${verified.reason})`);
  return verified.userId;
}

function methodNotAllowed(res: http.ServerResponse, allow: string): ChatlabError {
  res.setHeader('allow', allow);
  return new ChatlabError(ErrorCodes.BAD_REQUEST, `use ${allow}`);
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ChatlabError(ErrorCodes.BAD_REQUEST, `body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ChatlabError(ErrorCodes.BAD_REQUEST, 'body is not valid JSON');
  }
}

/**
 * The wire contract of docs/protocol.md as zod schemas, so every frame and HTTP body is checked
 * once at the edge and the rest of the code works with typed values. Objects are not
 * strict: unknown keys are dropped, so a newer client adding a field does not break an older
 * gateway (the contract may grow; it must not break).
 */
import { z } from 'zod';
import { ChatlabError, ErrorCodes } from './errors.js';
import { isSnowflakeString } from './snowflake.js';

export * from './protocol-limits.js';
import { MAX_SKIP_IDS, MEMBERS_CAP_DEFAULT, MEMBERS_MAX, PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX } from './protocol-limits.js';

export const ErrorFrameCodes = [
  'bad_json',
  'unknown_type',
  'invalid_frame',
  'not_member',
  'unknown_conversation',
  'rate_limited',
  'internal',
  'unavailable',
] as const;
export type ErrorFrameCode = (typeof ErrorFrameCodes)[number];

// Field messages are short and name no type internals: they end up in error frames and 400s.
const str = () => z.string({ error: (iss) => (iss.input === undefined ? 'required' : 'must be a string') });
const bounded = (min: number, max: number) =>
  str().min(min, `must be ${min}..${max} characters`).max(max, `must be ${min}..${max} characters`);
const int = () => z.number({ error: (iss) => (iss.input === undefined ? 'required' : 'must be a number') }).int('must be an integer');
const ID_CHARS = /^[A-Za-z0-9_-]+$/;

export const userIdSchema = bounded(1, 64).regex(ID_CHARS, 'must use only A-Z a-z 0-9 _ -');
/** Same shape as user ids: safe in Redis keys, URLs and Cassandra text without escaping. */
export const conversationIdSchema = bounded(1, 64).regex(ID_CHARS, 'must use only A-Z a-z 0-9 _ -');
/** A Snowflake id as a canonical decimal string; "0" means "before every message". */
export const messageIdSchema = str().refine(isSnowflakeString, 'must be a decimal id (no leading zeros, < 2^63)');
export const clientMsgIdSchema = bounded(1, 64);
export const bodySchema = bounded(1, 4096);
const msSchema = int().min(0, 'must be >= 0');

export const messageSchema = z.object({
  conversationId: conversationIdSchema,
  messageId: messageIdSchema,
  senderId: userIdSchema,
  clientMsgId: clientMsgIdSchema,
  body: bodySchema,
  sentAt: msSchema,
});
export type Message = z.infer<typeof messageSchema>;

// Client → server

export const sendFrameSchema = z.object({
  type: z.literal('send'),
  clientMsgId: clientMsgIdSchema,
  conversationId: conversationIdSchema,
  body: bodySchema,
});
export const syncFrameSchema = z.object({
  type: z.literal('sync'),
  conversationId: conversationIdSchema,
  after: messageIdSchema,
  limit: int().min(1, `must be 1..${PAGE_LIMIT_MAX}`).max(PAGE_LIMIT_MAX, `must be 1..${PAGE_LIMIT_MAX}`).optional(),
  /**
   * Extension: leave out of every page the messages this socket already got live (since it
   * opened, or while a sync of it waits for its last page). For clients that keep live
   * messages arriving during a sync. A page so shortened carries `nextAfter`.
   */
  skipPushed: z.boolean().optional(),
  /**
   * Extension: ids the client already holds (live messages kept while its sync runs, perhaps
   * from an earlier socket): left out of the pages like `skipPushed`'s, with `nextAfter`.
   */
  skipIds: z.array(messageIdSchema).max(MAX_SKIP_IDS, `at most ${MAX_SKIP_IDS} ids`).optional(),
});
export const readFrameSchema = z.object({
  type: z.literal('read'),
  conversationId: conversationIdSchema,
  messageId: messageIdSchema,
});
export const heartbeatFrameSchema = z.object({ type: z.literal('heartbeat') });

export const clientFrameSchema = z.discriminatedUnion('type', [sendFrameSchema, syncFrameSchema, readFrameSchema, heartbeatFrameSchema]);
export type SendFrame = z.infer<typeof sendFrameSchema>;
export type SyncFrame = z.infer<typeof syncFrameSchema>;
export type ReadFrame = z.infer<typeof readFrameSchema>;
export type HeartbeatFrame = z.infer<typeof heartbeatFrameSchema>;
export type ClientFrame = z.infer<typeof clientFrameSchema>;

// Server → client

export const ackFrameSchema = z.object({
  type: z.literal('ack'),
  clientMsgId: clientMsgIdSchema,
  conversationId: conversationIdSchema,
  messageId: messageIdSchema,
});
export const messageFrameSchema = messageSchema.extend({ type: z.literal('message') });
export const syncResultFrameSchema = z.object({
  type: z.literal('sync_result'),
  conversationId: conversationIdSchema,
  messages: z.array(messageSchema),
  hasMore: z.boolean(),
  /**
   * Extension (only with `skipPushed`): the `after` of the next page when this one left out
   * messages at its top. Absent: the next page starts after the last message of this one.
   */
  nextAfter: messageIdSchema.optional(),
});
export const presenceFrameSchema = z.object({
  type: z.literal('presence'),
  userId: userIdSchema,
  status: z.enum(['online', 'offline']),
  at: msSchema,
});
export const receiptFrameSchema = z.object({
  type: z.literal('receipt'),
  conversationId: conversationIdSchema,
  userId: userIdSchema,
  messageId: messageIdSchema,
});
export const memberFrameSchema = z.object({
  type: z.literal('member'),
  conversationId: conversationIdSchema,
  userId: userIdSchema,
  change: z.enum(['joined', 'left']),
  /** The change's id, from the conversation's own order: it orders the change among messages. */
  messageId: messageIdSchema,
});
/**
 * Extension: a message was deleted by its sender. Routed like the message (same channels), so a
 * member gets it after the message; history, sync and search stop returning the message.
 */
export const deletedFrameSchema = z.object({
  type: z.literal('deleted'),
  conversationId: conversationIdSchema,
  messageId: messageIdSchema,
  /** Who deleted it (the sender). */
  userId: userIdSchema,
});
export const presenceSnapshotFrameSchema = z.object({
  type: z.literal('presence_snapshot'),
  friends: z.array(z.object({ userId: userIdSchema, status: z.enum(['online', 'offline']), at: msSchema })),
});
export const reconnectFrameSchema = z.object({ type: z.literal('reconnect'), afterMs: msSchema });
export const errorFrameSchema = z.object({
  type: z.literal('error'),
  code: z.enum(ErrorFrameCodes),
  message: str(),
  ref: str().optional(),
});

export const serverFrameSchema = z.discriminatedUnion('type', [
  ackFrameSchema,
  messageFrameSchema,
  syncResultFrameSchema,
  presenceFrameSchema,
  receiptFrameSchema,
  memberFrameSchema,
  deletedFrameSchema,
  presenceSnapshotFrameSchema,
  reconnectFrameSchema,
  errorFrameSchema,
]);
export type AckFrame = z.infer<typeof ackFrameSchema>;
export type MessageFrame = z.infer<typeof messageFrameSchema>;
export type SyncResultFrame = z.infer<typeof syncResultFrameSchema>;
export type PresenceFrame = z.infer<typeof presenceFrameSchema>;
export type ReceiptFrame = z.infer<typeof receiptFrameSchema>;
export type ReconnectFrame = z.infer<typeof reconnectFrameSchema>;
export type MemberFrame = z.infer<typeof memberFrameSchema>;
export type DeletedFrame = z.infer<typeof deletedFrameSchema>;
export type PresenceSnapshotFrame = z.infer<typeof presenceSnapshotFrameSchema>;
export type ErrorFrame = z.infer<typeof errorFrameSchema>;
export type ServerFrame = z.infer<typeof serverFrameSchema>;

// Parsing frames

export type FrameParseResult<F> =
  | { ok: true; frame: F }
  | { ok: false; code: 'bad_json' | 'unknown_type' | 'invalid_frame'; message: string; ref?: string };

/** "messages[0].body: must be 1..4096 characters" — the first problem only, kept short. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'invalid';
  let path = '';
  for (const key of issue.path) {
    path += typeof key === 'number' ? `[${key}]` : path === '' ? String(key) : `.${String(key)}`;
  }
  return path === '' ? issue.message : `${path}: ${issue.message}`;
}

function parseFrame<F>(raw: string, schemas: Record<string, z.ZodType<F>>): FrameParseResult<F> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, code: 'bad_json', message: 'frame is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, code: 'invalid_frame', message: 'frame must be a JSON object' };
  }
  const obj = value as Record<string, unknown>;
  const ref = typeof obj.clientMsgId === 'string' ? { ref: obj.clientMsgId } : {};
  if (typeof obj.type !== 'string') {
    return { ok: false, code: 'invalid_frame', message: `type: ${obj.type === undefined ? 'required' : 'must be a string'}`, ...ref };
  }
  const schema = Object.hasOwn(schemas, obj.type) ? schemas[obj.type] : undefined;
  if (schema === undefined) {
    return { ok: false, code: 'unknown_type', message: `unknown frame type ${JSON.stringify(obj.type.slice(0, 32))}`, ...ref };
  }
  const parsed = schema.safeParse(obj);
  if (!parsed.success) return { ok: false, code: 'invalid_frame', message: describeIssue(parsed.error), ...ref };
  return { ok: true, frame: parsed.data };
}

const clientSchemas: Record<string, z.ZodType<ClientFrame>> = {
  send: sendFrameSchema,
  sync: syncFrameSchema,
  read: readFrameSchema,
  heartbeat: heartbeatFrameSchema,
};
const serverSchemas: Record<string, z.ZodType<ServerFrame>> = {
  ack: ackFrameSchema,
  message: messageFrameSchema,
  sync_result: syncResultFrameSchema,
  presence: presenceFrameSchema,
  receipt: receiptFrameSchema,
  member: memberFrameSchema,
  deleted: deletedFrameSchema,
  presence_snapshot: presenceSnapshotFrameSchema,
  reconnect: reconnectFrameSchema,
  error: errorFrameSchema,
};

/** Never throws: under load a bad frame is answered with an error frame, not an exception. */
export function parseClientFrame(raw: string): FrameParseResult<ClientFrame> {
  return parseFrame(raw, clientSchemas);
}

/** The simulated client's side of the same contract. */
export function parseServerFrame(raw: string): FrameParseResult<ServerFrame> {
  return parseFrame(raw, serverSchemas);
}

// HTTP

export const createConversationBodySchema = z.object({
  members: z
    .array(userIdSchema, { error: (iss) => (iss.input === undefined ? 'required' : 'must be an array of user ids') })
    .min(2, `must list 2..${MEMBERS_MAX} users`)
    .max(MEMBERS_MAX, `must list 2..${MEMBERS_MAX} users`)
    .refine((m) => new Set(m).size === m.length, 'must not repeat a user'),
  name: str().max(200, 'must be at most 200 characters').optional(),
}, { error: 'body must be a JSON object' });
export type CreateConversationBody = z.infer<typeof createConversationBodySchema>;

export interface CreateConversationResponse {
  conversationId: string;
  members: string[];
  kind: ConversationKind;
}
export type ConversationKind = 'direct' | 'group';

/** Two members make a direct conversation, and direct conversations are what make friends. */
export function conversationKind(members: readonly string[]): ConversationKind {
  return members.length === 2 ? 'direct' : 'group';
}

/** Throws ChatlabError BAD_REQUEST (→ 400) with the first problem found. */
export function parseCreateConversationBody(raw: unknown, callerId: string, maxMembers: number = MEMBERS_CAP_DEFAULT): CreateConversationBody {
  const parsed = createConversationBodySchema.safeParse(raw);
  if (!parsed.success) throw new ChatlabError(ErrorCodes.BAD_REQUEST, describeIssue(parsed.error));
  // the cap is a gateway option, so it is checked here rather than in the static schema
  if (parsed.data.members.length > maxMembers) throw new ChatlabError(ErrorCodes.BAD_REQUEST, `members: at most ${maxMembers} users (the member cap)`);
  if (!parsed.data.members.includes(callerId)) {
    throw new ChatlabError(ErrorCodes.BAD_REQUEST, 'members: must include the caller');
  }
  return parsed.data;
}

export const addMembersBodySchema = z.object({
  userIds: z
    .array(userIdSchema, { error: (iss) => (iss.input === undefined ? 'required' : 'must be an array of user ids') })
    .min(1, `must list 1..${MEMBERS_MAX} users`)
    .max(MEMBERS_MAX, `must list 1..${MEMBERS_MAX} users`)
    .refine((m) => new Set(m).size === m.length, 'must not repeat a user'),
}, { error: 'body must be a JSON object' });
export type AddMembersBody = z.infer<typeof addMembersBodySchema>;

export interface MembersResponse {
  conversationId: string;
  members: string[];
  /** (extension) Each user this request changed, with the change's id in the conversation's order; empty when nothing changed. */
  changes: Array<{ userId: string; change: 'joined' | 'left'; messageId: string }>;
}

/** Throws ChatlabError BAD_REQUEST (→ 400) with the first problem found. */
export function parseAddMembersBody(raw: unknown): AddMembersBody {
  const parsed = addMembersBodySchema.safeParse(raw);
  if (!parsed.success) throw new ChatlabError(ErrorCodes.BAD_REQUEST, describeIssue(parsed.error));
  return parsed.data;
}

/** A user id taken from a URL path segment: 400 when it is not one. */
export function parseUserIdParam(raw: string): string {
  const parsed = userIdSchema.safeParse(raw);
  if (!parsed.success) throw new ChatlabError(ErrorCodes.BAD_REQUEST, `userId: ${describeIssue(parsed.error)}`);
  return parsed.data;
}

/** A message id taken from a URL path segment: 400 when it is not one ("0" is no message). */
export function parseMessageIdParam(raw: string): string {
  const parsed = messageIdSchema.safeParse(raw);
  if (!parsed.success || parsed.data === '0') throw new ChatlabError(ErrorCodes.BAD_REQUEST, `messageId: ${parsed.success ? 'must be a message id, not 0' : describeIssue(parsed.error)}`);
  return parsed.data;
}

/** A conversation id taken from a URL path segment: 400 when it is not one. */
export function parseConversationIdParam(raw: string): string {
  const parsed = conversationIdSchema.safeParse(raw);
  if (!parsed.success) throw new ChatlabError(ErrorCodes.BAD_REQUEST, `conversationId: ${describeIssue(parsed.error)}`);
  return parsed.data;
}

/** `DELETE /v1/conversations/:id/messages/:messageId` answered 200 (extension). */
export interface DeleteMessageResponse {
  conversationId: string;
  deleted: string;
}

export const historyQuerySchema = z.object({
  after: messageIdSchema.default('0'),
  limit: z.coerce
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(1, `must be 1..${PAGE_LIMIT_MAX}`)
    .max(PAGE_LIMIT_MAX, `must be 1..${PAGE_LIMIT_MAX}`)
    .default(PAGE_LIMIT_DEFAULT),
});
export type HistoryQuery = z.infer<typeof historyQuerySchema>;

export interface HistoryResponse {
  messages: Message[];
  hasMore: boolean;
}

/** Query strings arrive as text; a missing `after` reads from the start. Throws BAD_REQUEST. */
export function parseHistoryQuery(params: URLSearchParams): HistoryQuery {
  const parsed = historyQuerySchema.safeParse({
    after: params.get('after') ?? undefined,
    limit: params.get('limit') ?? undefined,
  });
  if (!parsed.success) throw new ChatlabError(ErrorCodes.BAD_REQUEST, describeIssue(parsed.error));
  return parsed.data;
}

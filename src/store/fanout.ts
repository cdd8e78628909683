import type { Redis } from 'ioredis';
import { CHATLAB_EPOCH_MS, SNOWFLAKE_MS_DIVISOR, type Message } from '../core/index.js';
import type { RedisKeys } from './keys.js';
import { RECENT_MAXLEN } from './recent.js';

/**
 * The hot-path wire: what goes over Redis Pub/Sub between the senders (gateways, presence
 * server, receipts worker) and the gateways that hold the recipients' sockets. Everyone who
 * publishes or receives a routed payload goes through this file, so the format lives here only.
 *
 * A routed payload is `<origin> <sentAt>\n<frame JSON>`. The header lets a gateway forward the
 * frame as it came, without parsing it: `origin` is the socket that sent it (it gets an ack, not
 * its own message back), `sentAt` the send time of a chat message for the delivery-latency
 * metric (0 for frames that are not chat messages). An origin starting with `!` marks a control
 * message for the gateway itself; it never reaches a socket.
 */
const HEADER_END = '\n';
const FIELD_SEP = ' ';
const CONTROL_MARK = '!';
const CONTROL_ORIGIN = `${CONTROL_MARK}ctl`;

/** Origins of frames that come from no socket, so every socket of the recipient gets them. */
export type ServiceOrigin = 'presence' | 'receipts' | 'member' | 'delete';

/** A gateway-to-gateway notice on a user's inbox channel. */
export type ControlMessage =
  | { op: 'joined'; conversationId: string; size: number }
  /** On `members:changes`: a membership change, before any frame published after it. */
  | MemberChangeControl;

export interface MemberChangeControl {
  op: 'member';
  conversationId: string;
  change: 'joined' | 'left';
  userIds: string[];
  /** The change id of each user, in order (the first is the switch point). */
  ids: string[];
  /** The membership version before and after (the last change id; '0' = never changed). */
  from: string;
  to: string;
  sizeBefore: number;
  sizeAfter: number;
  /** Every member after the change, sent only when routing switches to the group channel. */
  members?: string[];
}

export type RoutedPayload =
  | { kind: 'frame'; origin: string; sentAt: number; frameJson: string }
  | { kind: 'control'; control: ControlMessage };

export function encodeRouted(origin: string, frameJson: string, sentAt = 0): string {
  return `${origin}${FIELD_SEP}${sentAt}${HEADER_END}${frameJson}`;
}

export function encodeControl(control: ControlMessage): string {
  return encodeRouted(CONTROL_ORIGIN, JSON.stringify(control));
}

/** Undefined for a payload that is not ours (or is malformed): the receiver drops it. */
export function decodeRouted(payload: string): RoutedPayload | undefined {
  const end = payload.indexOf(HEADER_END);
  if (end < 0) return undefined;
  const body = payload.slice(end + HEADER_END.length);
  // the sentAt field is a number, so the last separator ends the origin whatever it contains
  const sep = payload.lastIndexOf(FIELD_SEP, end);
  if (sep < 0) return undefined;
  const origin = payload.slice(0, sep);
  if (origin.startsWith(CONTROL_MARK)) {
    try {
      return { kind: 'control', control: JSON.parse(body) as ControlMessage };
    } catch {
      return undefined;
    }
  }
  const sentAt = Number(payload.slice(sep + 1, end));
  return { kind: 'frame', origin, sentAt: Number.isFinite(sentAt) ? sentAt : 0, frameJson: body };
}

/** A routed payload as Redis hands it over, still bytes: the frame is a view into it, never decoded. */
export type RoutedBuffer =
  | { kind: 'frame'; origin: string; sentAt: number; frame: Buffer }
  | { kind: 'control'; control: ControlMessage };

const NEWLINE_BYTE = 0x0a;
const SPACE_BYTE = 0x20;
const CONTROL_BYTE = CONTROL_MARK.charCodeAt(0);

/**
 * decodeRouted for the bytes of a payload (a subscriber with `messageBuffer`): the frame's
 * UTF-8 is forwarded as it came, so a gateway never turns it into a string and back.
 */
export function decodeRoutedBuffer(payload: Buffer): RoutedBuffer | undefined {
  const end = payload.indexOf(NEWLINE_BYTE);
  if (end < 0) return undefined;
  const sep = payload.lastIndexOf(SPACE_BYTE, end);
  if (sep < 0) return undefined;
  if (payload[0] === CONTROL_BYTE) {
    try {
      return { kind: 'control', control: JSON.parse(payload.toString('utf8', end + 1)) as ControlMessage };
    } catch {
      return undefined;
    }
  }
  let sentAt = 0;
  for (let i = sep + 1; i < end; i++) {
    const d = payload[i]! - 48;
    if (d < 0 || d > 9) {
      sentAt = 0;
      break;
    }
    sentAt = sentAt * 10 + d;
  }
  return { kind: 'frame', origin: payload.toString('utf8', 0, sep), sentAt, frame: payload.subarray(end + 1) };
}

/** The socket a message came from is answered with an ack, never with its own message. */
export function isEcho(routed: { origin: string }, socketId: string): boolean {
  return routed.origin === socketId;
}

/** The `message` frame of docs/protocol.md, built from the message JSON without a second stringify. */
export function messageFrameJson(messageJson: string): string {
  return `{"type":"message",${messageJson.slice(1)}`;
}

const MESSAGE_PREFIX = Buffer.from('{"type":"message",');
const ID_KEY = Buffer.from('"messageId":"');

/** The messageId of a routed `message` frame (undefined for any other frame), read from its bytes. */
export function messageIdOfFrame(frame: Buffer): string | undefined {
  if (frame.length < MESSAGE_PREFIX.length || MESSAGE_PREFIX.compare(frame, 0, MESSAGE_PREFIX.length) !== 0) return undefined;
  return idField(frame);
}

const DELETED_PREFIX = Buffer.from('{"type":"deleted",');

/**
 * The id of a message frame, or of a member frame (whose change id is its `messageId` too). A
 * `deleted` frame has none: its `messageId` is an earlier message's, not its own place in the
 * order, so it is never taken for a frame already pushed from the stream.
 */
export function idOfFrame(frame: Buffer): string | undefined {
  if (frame.length >= DELETED_PREFIX.length && DELETED_PREFIX.compare(frame, 0, DELETED_PREFIX.length) === 0) return undefined;
  const id = idField(frame);
  return id !== undefined && /^\d+$/.test(id) ? id : undefined;
}

/** The value of the frame's first `messageId` field, read from its bytes. */
function idField(frame: Buffer): string | undefined {
  const at = frame.indexOf(ID_KEY);
  if (at < 0) return undefined;
  const end = frame.indexOf(0x22, at + ID_KEY.length);
  return end < 0 ? undefined : frame.toString('latin1', at + ID_KEY.length, end);
}

// --- channel choice ---

/** `hybrid` picks by size; `inbox` and `group` force one way (the large-group scenario compares them). */
export const ROUTINGS = ['hybrid', 'inbox', 'group'] as const;
export type Routing = (typeof ROUTINGS)[number];

export interface RoutingPolicy {
  routing: Routing;
  /** Conversations with more members than this publish once to `group:<conv>`. */
  groupThreshold: number;
}

/** The policy a gateway runs with unless its options say otherwise. */
export const DEFAULT_ROUTING_POLICY: Readonly<RoutingPolicy> = { routing: 'hybrid', groupThreshold: 100 };

/**
 * The routing policy in a gateway's raw options (a run's recorded service options), defaults
 * filled in; null when they hold a value no gateway would accept.
 */
export function routingPolicyOf(options: Record<string, unknown>): RoutingPolicy | null {
  const { routing = DEFAULT_ROUTING_POLICY.routing, groupThreshold = DEFAULT_ROUTING_POLICY.groupThreshold } = options;
  if (!ROUTINGS.includes(routing as Routing)) return null;
  if (typeof groupThreshold !== 'number' || !Number.isInteger(groupThreshold) || groupThreshold < 1) return null;
  return { routing: routing as Routing, groupThreshold };
}

/**
 * Small conversations fan out on write (one publish per member's `inbox:<user>`); large ones
 * publish once to `group:<conv>`, which every gateway holding a member subscribes to (fan-out
 * on read). Senders and subscribers must agree, so this is the only place that decides.
 */
export function usesGroupChannel(policy: RoutingPolicy, memberCount: number): boolean {
  if (policy.routing === 'group') return true;
  if (policy.routing === 'inbox') return false;
  return memberCount > policy.groupThreshold;
}

export interface ConversationChannels {
  kind: 'group' | 'inbox';
  channels: string[];
}

export function conversationChannels(keys: RedisKeys, policy: RoutingPolicy, conversation: { conversationId: string; members: readonly string[] }): ConversationChannels {
  if (usesGroupChannel(policy, conversation.members.length)) return { kind: 'group', channels: [keys.group(conversation.conversationId)] };
  return { kind: 'inbox', channels: conversation.members.map((m) => keys.inbox(m)) };
}

// --- publishing a chat message ---

/**
 * The whole Redis side of a send in one atomic round trip: look up the sender's clientMsgId
 * (dedupe); if it is new, append the message to `recent:<conv>` under its own id and publish it
 * to every channel. The stream entry's id is `<messageId>-0`, so Redis itself refuses an id
 * not above the conversation's last published one: per conversation, stream order = publish
 * order = id order, which makes a sync's `after` exact. A refused id claims nothing; the
 * gateway re-mints above the returned top. Each entry also records the id before it (`p`: '0'
 * for the first message of a conversation created on this Redis, marked `fresh` in its meta;
 * empty when unknown: a stream that Redis lost), which is
 * how a sync tells a trimmed or lost stretch from none. A re-send returns the stored original
 * message (never the new frame's body), and publishes nothing.
 *
 * The entry also keeps the sending socket (`o`), so a gateway catching a socket up from the
 * stream (a routing switch, src/gateway/membership-routing.ts) never echoes a sender's own message.
 * With a membership version given, the script refuses (code 3) when the conversation's
 * membership changed since the gateway computed the channels: before/after a member change
 * is then exact per conversation (docs/protocol.md, Member changes).
 *
 * KEYS[1] dedupe key, KEYS[2] recent stream, KEYS[3] conversation meta; ARGV[1] messageId,
 * ARGV[2] dedupe ttl (s), ARGV[3] message JSON, ARGV[4] payload to publish, ARGV[5] stream
 * maxlen, ARGV[6] membership version ('' = unchecked), ARGV[7] origin, ARGV[8..] channels.
 * Returns {messageJson, 1} published, {originalJson, 0} a re-send, {topId, 2} id too low,
 * {version, 3} membership moved.
 */
const PUBLISH_LUA = `
local prev = redis.call('GET', KEYS[1])
if prev then return {prev, 0} end
if ARGV[6] ~= '' then
  -- membership moved since the gateway computed the channels: it reloads and routes again
  local ver = redis.call('HGET', KEYS[3], 'ver') or '0'
  if ver ~= ARGV[6] then return {ver, 3} end
end
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
local top = ''
local prevMessage = ''
if last[1] then
  top = string.match(last[1][1], '^(%d+)')
  prevMessage = top
  -- a member change is no message: the id before this one is the one it recorded
  local f = last[1][2]
  for i = 1, #f, 2 do if f[i] == 'f' then prevMessage = nil end end
  if prevMessage == nil then
    prevMessage = ''
    for i = 1, #f, 2 do if f[i] == 'p' then prevMessage = f[i + 1] end end
  end
else
  -- A new (or lost) stream knows no last id: an id minted over a second ago may be a send
  -- replayed after a Redis restart, below ids published before it. Mint again.
  local t = redis.call('TIME')
  local minted = math.floor(tonumber(ARGV[1]) / ${SNOWFLAKE_MS_DIVISOR}) + ${CHATLAB_EPOCH_MS}
  if minted < tonumber(t[1]) * 1000 - 1000 then return {'0', 2} end
  -- a conversation created on this Redis (not reloaded after a loss): nothing came before
  if redis.call('HGET', KEYS[3], 'fresh') == '1' then
    prevMessage = '0'
    redis.call('HDEL', KEYS[3], 'fresh')
  end
end
local added = redis.pcall('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], ARGV[1] .. '-0', 'm', ARGV[3], 'p', prevMessage, 'o', ARGV[7])
if type(added) == 'table' and added.err then
  if top == '' then top = '0' end
  return {top, 2}
end
redis.call('SET', KEYS[1], ARGV[3], 'EX', tonumber(ARGV[2]))
for i = 8, #ARGV do redis.call('PUBLISH', ARGV[i], ARGV[4]) end
return {ARGV[3], 1}
`;

type WithPublishScript = { chatlabSend(...args: Array<string | number>): Promise<[string, number]> };

/** Once per connection, before the first publishMessage. */
export function definePublishScript(redis: Redis): void {
  redis.defineCommand('chatlabSend', { lua: PUBLISH_LUA });
}

export type PublishedMessage =
  /** published: appended and published now; duplicate: a re-send, the stored original stands. */
  | { outcome: 'published' | 'duplicate'; messageId: string; messageJson: string }
  /** The id was not above the conversation's last published id (`topId`): mint again. */
  | { outcome: 'stale'; topId: string }
  /** The membership changed (now at `version`): reload the conversation, route again. */
  | { outcome: 'moved'; version: string };

export async function publishMessage(
  redis: Redis,
  keys: RedisKeys,
  p: { message: Message; origin: string; channels: readonly string[]; dedupeTtlSec: number; version?: string },
): Promise<PublishedMessage> {
  const { message } = p;
  const messageJson = JSON.stringify(message);
  const payload = encodeRouted(p.origin, messageFrameJson(messageJson), message.sentAt);
  const [reply, code] = await (redis as unknown as WithPublishScript).chatlabSend(
    3,
    keys.dedupe(message.conversationId, message.senderId, message.clientMsgId),
    keys.recent(message.conversationId),
    keys.meta(message.conversationId),
    message.messageId,
    p.dedupeTtlSec,
    messageJson,
    payload,
    RECENT_MAXLEN,
    p.version ?? '',
    p.origin,
    ...p.channels,
  );
  if (code === 3) return { outcome: 'moved', version: reply };
  if (code === 2) return { outcome: 'stale', topId: reply };
  if (code === 1) return { outcome: 'published', messageId: message.messageId, messageJson };
  return { outcome: 'duplicate', ...originalOf(reply, message) };
}

/**
 * The message a dedupe key holds. Keys written before dedupe kept whole messages held only
 * the id: then the original's body is not known here, and the new frame's fields stand in.
 */
function originalOf(stored: string, message: Message): { messageId: string; messageJson: string } {
  if (!stored.startsWith('{')) return { messageId: stored, messageJson: JSON.stringify({ ...message, messageId: stored }) };
  const original = JSON.parse(stored) as Message;
  return { messageId: original.messageId, messageJson: stored };
}

// --- frames from services to users' sockets ---

/** A frame from a service (not from a socket), so every socket of the inbox's user gets it. */
export function encodeServiceFrame(origin: ServiceOrigin, frameJson: string): string {
  return encodeRouted(origin, frameJson);
}

/** PUBLISHes in pipelines of `batch` commands: one round trip per batch, not per frame. */
export async function publishBatched(redis: Redis, messages: ReadonlyArray<readonly [channel: string, payload: string]>, batch: number): Promise<void> {
  for (let i = 0; i < messages.length; i += batch) {
    const pipeline = redis.pipeline();
    for (const [channel, payload] of messages.slice(i, i + batch)) pipeline.publish(channel, payload);
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err);
    if (failed) throw failed[0];
  }
}

import type { Redis } from 'ioredis';
import { compareIds, mapLimited } from '../core/index.js';
import { Long, type CassandraClient } from './cassandra.js';
import { decodeRouted, encodeControl, encodeRouted, type MemberChangeControl } from './fanout.js';
import type { RedisKeys } from './keys.js';
import { RECENT_MAXLEN } from './recent.js';
import { applyChange, formatSpans, type Span } from './spans.js';

/**
 * A membership change, in one atomic Redis round trip, like a send (src/store/fanout.ts):
 * 1. refused (code 3) if the membership moved since the gateway read it (version = last change id),
 *    or if Redis no longer holds the conversation (it was lost since: the gateway reloads it);
 * 2. each user's change is appended to `recent:<conv>` under its own id (field `f`: the member
 *    frame; `p`: the last message id before it), so Redis refuses an id not above the last one
 *    (code 2): a change takes its place in the conversation's order exactly as a message does;
 * 3. members set, meta (size, ver), spans and `user:<u>:convs` change;
 * 4. the control message goes to `members:changes` (every gateway) BEFORE the member frames,
 *    and every later message is published after it, so each gateway changes its routing at a
 *    point that is exact in the conversation's order.
 *
 * 5. the change waits in `members:unrecorded` until a gateway has recorded it in Cassandra
 *    (recordMemberChange, then forgetRecorded): a gateway that dies between the two leaves it there
 *    for another to record.
 *
 * KEYS: meta, members, recent, spans, members:changes, then `user:<u>:convs` per user, then members:unrecorded.
 * ARGV: [1] expected version, [2] change, [3] control payload, [4] stream maxlen,
 * [5] alsoUserInbox ('1': each frame also to the user's own inbox), [6] inbox prefix,
 * [7] conversation id, [8] n common channels, then the channels, then per user: id, user, payload, frame JSON.
 */
const CHANGE_LUA = `
-- not loaded (Redis lost it since the gateway read it): refused, the gateway reads it again
if redis.call('HEXISTS', KEYS[1], 'kind') == 0 then return {'', 3} end
local ver = redis.call('HGET', KEYS[1], 'ver') or '0'
if ver ~= ARGV[1] then return {ver, 3} end
local last = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', 1)
-- no stream: nothing before only for a conversation created on this Redis (see PUBLISH_LUA)
local prevMessage = ''
if not last[1] and redis.call('HGET', KEYS[1], 'fresh') == '1' then
  prevMessage = '0'
  redis.call('HDEL', KEYS[1], 'fresh')
end
if last[1] then
  prevMessage = string.match(last[1][1], '^(%d+)')
  local f = last[1][2]
  local isChange = false
  for i = 1, #f, 2 do if f[i] == 'f' then isChange = true end end
  if isChange then for i = 1, #f, 2 do if f[i] == 'p' then prevMessage = f[i + 1] end end end
end
local nCommon = tonumber(ARGV[8])
local base = 8 + nCommon
local n = (#ARGV - base) / 4
for i = 0, n - 1 do
  local id = ARGV[base + i * 4 + 1]
  local added = redis.pcall('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], id .. '-0', 'f', ARGV[base + i * 4 + 4], 'p', prevMessage)
  if type(added) == 'table' and added.err then
    if i == 0 then
      local top = '0'
      if last[1] then top = string.match(last[1][1], '^(%d+)') end
      return {top, 2}
    end
    return redis.error_reply('member change ids out of order')
  end
end
for i = 0, n - 1 do
  local id = ARGV[base + i * 4 + 1]
  local user = ARGV[base + i * 4 + 2]
  local spans = redis.call('HGET', KEYS[4], user)
  if ARGV[2] == 'joined' then
    redis.call('SADD', KEYS[2], user)
    if spans then spans = spans .. ',' .. id .. ':' else spans = id .. ':' end
    redis.call('SADD', KEYS[5 + i + 1], ARGV[7])
  else
    redis.call('SREM', KEYS[2], user)
    if not spans then spans = '0:' end
    spans = spans .. id
    redis.call('SREM', KEYS[5 + i + 1], ARGV[7])
  end
  redis.call('HSET', KEYS[4], user, spans)
end
local lastId = ARGV[base + (n - 1) * 4 + 1]
redis.call('HSET', KEYS[1], 'ver', lastId, 'size', redis.call('SCARD', KEYS[2]))
redis.call('HSET', KEYS[#KEYS], ARGV[7] .. ' ' .. lastId, ARGV[3])
redis.call('PUBLISH', KEYS[5], ARGV[3])
for i = 0, n - 1 do
  local payload = ARGV[base + i * 4 + 3]
  for c = 9, 8 + nCommon do redis.call('PUBLISH', ARGV[c], payload) end
  if ARGV[5] == '1' then redis.call('PUBLISH', ARGV[6] .. ARGV[base + i * 4 + 2], payload) end
end
return {lastId, 1}
`;

type WithChangeScript = { chatlabMemberChange(...args: Array<string | number>): Promise<[string, number]> };

export function defineMemberChangeScript(redis: Redis): void {
  redis.defineCommand('chatlabMemberChange', { lua: CHANGE_LUA });
}

export function memberFrameJson(conversationId: string, userId: string, change: 'joined' | 'left', messageId: string): string {
  return JSON.stringify({ type: 'member', conversationId, userId, change, messageId });
}

export interface MemberChangeRequest {
  control: MemberChangeControl;
  /** Channels every member frame goes to (inboxes of old and new members, or the group channel). */
  channels: readonly string[];
  /** Each frame also to the concerned user's own inbox (a user leaving a group-routed conversation). */
  alsoUserInbox: boolean;
}

export type MemberChangeResult = { outcome: 'applied' } | { outcome: 'stale'; topId: string } | { outcome: 'moved'; version: string };

export async function publishMemberChange(redis: Redis, keys: RedisKeys, req: MemberChangeRequest): Promise<MemberChangeResult> {
  const { control } = req;
  const conv = control.conversationId;
  const perUser = control.userIds.flatMap((user, i) => {
    const frame = memberFrameJson(conv, user, control.change, control.ids[i]!);
    return [control.ids[i]!, user, encodeRouted('member', frame), frame];
  });
  const [reply, code] = await (redis as unknown as WithChangeScript).chatlabMemberChange(
    6 + control.userIds.length,
    keys.meta(conv),
    keys.members(conv),
    keys.recent(conv),
    keys.spans(conv),
    keys.memberChanges,
    ...control.userIds.map((u) => keys.userConversations(u)),
    keys.unrecordedChanges,
    control.from,
    control.change,
    encodeControl(control),
    RECENT_MAXLEN,
    req.alsoUserInbox ? '1' : '0',
    keys.inboxPrefix,
    conv,
    req.channels.length,
    ...req.channels,
    ...perUser,
  );
  if (code === 3) return { outcome: 'moved', version: reply };
  if (code === 2) return { outcome: 'stale', topId: reply };
  return { outcome: 'applied' };
}

/** The field of a change in `members:unrecorded`. */
const unrecordedField = (control: Pick<MemberChangeControl, 'conversationId' | 'to'>) => `${control.conversationId} ${control.to}`;

/** The change is in Cassandra: nobody need record it again. */
export async function forgetRecorded(redis: Redis, keys: RedisKeys, control: MemberChangeControl): Promise<void> {
  await redis.hdel(keys.unrecordedChanges, unrecordedField(control));
}

/** Changes Redis took whose record in Cassandra nobody has confirmed, oldest first. */
export async function unrecordedChanges(redis: Redis, keys: RedisKeys): Promise<MemberChangeControl[]> {
  const all = await redis.hgetall(keys.unrecordedChanges);
  const out: MemberChangeControl[] = [];
  for (const payload of Object.values(all)) {
    const routed = decodeRouted(payload);
    if (routed?.kind === 'control' && routed.control.op === 'member') out.push(routed.control);
  }
  return out.sort((a, b) => compareIds(a.to, b.to));
}

/** The durable side of a change (after Redis took it): rows per user, the members set, the user index. */
export async function recordMemberChange(cassandra: CassandraClient, keyspace: string, control: MemberChangeControl): Promise<void> {
  const conv = control.conversationId;
  const op = control.change === 'joined' ? '+' : '-';
  await cassandra.execute(`UPDATE ${keyspace}.conversations SET members = members ${op} ? WHERE conversation_id = ?`, [control.userIds, conv], { prepare: true });
  await mapLimited(
    control.userIds.map((u, i) => [u, control.ids[i]!] as const),
    32,
    async ([user, id]) => {
      await cassandra.execute(`INSERT INTO ${keyspace}.membership_changes (conversation_id, change_id, user_id, change) VALUES (?, ?, ?, ?)`, [conv, Long.fromString(id), user, control.change], { prepare: true });
      if (control.change === 'joined') await cassandra.execute(`INSERT INTO ${keyspace}.user_conversations (user_id, conversation_id) VALUES (?, ?)`, [user, conv], { prepare: true });
      else await cassandra.execute(`DELETE FROM ${keyspace}.user_conversations WHERE user_id = ? AND conversation_id = ?`, [user, conv], { prepare: true });
    },
  );
}

/** Every recorded change of a conversation, in id order (the clustering order). */
export async function readMembershipChanges(cassandra: CassandraClient, keyspace: string, conversationId: string): Promise<Array<{ userId: string; change: 'joined' | 'left'; messageId: string }>> {
  const rs = await cassandra.execute(`SELECT change_id, user_id, change FROM ${keyspace}.membership_changes WHERE conversation_id = ?`, [conversationId], { prepare: true });
  return rs.rows.map((row) => ({ userId: String(row['user_id']), change: row['change'] === 'left' ? 'left' : 'joined', messageId: String(row['change_id']) }));
}

/** Version and spans from Cassandra (a Redis that lost the conversation). */
export async function loadMembershipHistory(cassandra: CassandraClient, keyspace: string, conversationId: string): Promise<{ version: string; spans: Map<string, Span[]> }> {
  const spans = new Map<string, Span[]>();
  let version = '0';
  for (const c of await readMembershipChanges(cassandra, keyspace, conversationId)) {
    spans.set(c.userId, applyChange(spans.get(c.userId) ?? null, c.change, c.messageId));
    version = c.messageId;
  }
  return { version, spans };
}

export function spansHashOf(spans: Map<string, Span[]>): Record<string, string> {
  return Object.fromEntries([...spans].map(([u, s]) => [u, formatSpans(s)]));
}

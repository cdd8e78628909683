import type { Redis } from 'ioredis';
import type { DeletedFrame } from '../core/index.js';
import { encodeServiceFrame } from './fanout.js';
import type { RedisKeys } from './keys.js';
import { deletedMember } from './recent.js';

/**
 * The Redis side of a message delete, in one atomic round trip: the id joins `deleted:<conv>`
 * (readers of `recent:<conv>` leave it out from then on: history, sync and a routing switch's
 * catch-up), ids below the stream's oldest entry leave the set (nobody reads them from the
 * stream any more, so the set stays as small as the stream), and the `deleted` frame is
 * PUBLISHed to the conversation's channels, the ones its messages go to. Redis delivers a
 * connection's PUBLISHes in order, so a member gets the frame after the message itself.
 *
 * KEYS[1] deleted set, KEYS[2] recent stream; ARGV[1] the id's set member, ARGV[2] the routed
 * payload, ARGV[3..] channels. Returns the number of channels published to.
 */
const DELETE_LUA = `
redis.call('ZADD', KEYS[1], 0, ARGV[1])
local first = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)
if first[1] then
  local id = string.match(first[1][1], '^(%d+)')
  redis.call('ZREMRANGEBYLEX', KEYS[1], '-', '(' .. string.rep('0', 19 - #id) .. id)
end
for i = 3, #ARGV do redis.call('PUBLISH', ARGV[i], ARGV[2]) end
return #ARGV - 2
`;

type WithDeleteScript = { chatlabDelete(...args: Array<string | number>): Promise<number> };

/** Once per connection, before the first publishDeletion. */
export function defineDeleteScript(redis: Redis): void {
  redis.defineCommand('chatlabDelete', { lua: DELETE_LUA });
}

/** The `deleted` frame of docs/protocol.md. */
export function deletedFrameJson(conversationId: string, messageId: string, userId: string): string {
  const frame: DeletedFrame = { type: 'deleted', conversationId, messageId, userId };
  return JSON.stringify(frame);
}

/** Marks the message deleted in the hot copy and tells the conversation's channels (see DELETE_LUA). */
export async function publishDeletion(
  redis: Redis,
  keys: RedisKeys,
  p: { conversationId: string; messageId: string; userId: string; channels: readonly string[] },
): Promise<void> {
  const payload = encodeServiceFrame('delete', deletedFrameJson(p.conversationId, p.messageId, p.userId));
  await (redis as unknown as WithDeleteScript).chatlabDelete(2, keys.deleted(p.conversationId), keys.recent(p.conversationId), deletedMember(p.messageId), payload, ...p.channels);
}

/**
 * The message with this id as `recent:<conv>` holds it: its JSON, or `deleted` when the set
 * marks it, or undefined when the stream has no such entry (trimmed, never there, or lost).
 */
export async function recentMessage(redis: Redis, keys: RedisKeys, conversationId: string, messageId: string): Promise<string | 'deleted' | undefined> {
  const [[rangeErr, entries], [scoreErr, score]] = (await redis
    .pipeline()
    .xrange(keys.recent(conversationId), `${messageId}-0`, `${messageId}-0`)
    .zscore(keys.deleted(conversationId), deletedMember(messageId))
    .exec()) as [[Error | null, Array<[string, string[]]>], [Error | null, string | null]];
  if (rangeErr ?? scoreErr) throw rangeErr ?? scoreErr;
  if (score !== null) return 'deleted';
  const fields = entries?.[0]?.[1] ?? [];
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'm') return fields[i + 1];
  return undefined;
}

import type { Redis } from 'ioredis';

/**
 * The whole Redis side of a send in one atomic round trip: claim the clientMsgId (dedupe);
 * if it is new, append the message to `recent:<conv>` and publish it to every channel. If it
 * was seen before, publish nothing and return the first messageId.
 *
 * KEYS[1] dedupe key, KEYS[2] recent stream; ARGV[1] messageId, ARGV[2] dedupe ttl (s),
 * ARGV[3] message JSON (for the stream), ARGV[4] payload to publish, ARGV[5] stream maxlen,
 * ARGV[6..] channels.
 * Returns the messageId that stands (new or first), and whether this call published.
 */
const SEND_LUA = `
local prev = redis.call('GET', KEYS[1])
if prev then return {prev, 0} end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]))
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', 'm', ARGV[3])
for i = 6, #ARGV do redis.call('PUBLISH', ARGV[i], ARGV[4]) end
return {ARGV[1], 1}
`;

export interface SendScriptResult {
  messageId: string;
  published: boolean;
}

type WithSendScript = { chatlabSend(...args: Array<string | number>): Promise<[string, number]> };

export function defineSendScript(redis: Redis): void {
  redis.defineCommand('chatlabSend', { lua: SEND_LUA });
}

export async function runSendScript(
  redis: Redis,
  p: { dedupeKey: string; recentKey: string; messageId: string; ttlSec: number; messageJson: string; payload: string; maxlen: number; channels: string[] },
): Promise<SendScriptResult> {
  const [messageId, published] = await (redis as unknown as WithSendScript).chatlabSend(2, p.dedupeKey, p.recentKey, p.messageId, p.ttlSec, p.messageJson, p.payload, p.maxlen, ...p.channels);
  return { messageId, published: published === 1 };
}

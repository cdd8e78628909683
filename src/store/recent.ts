import type { Redis } from 'ioredis';
import { compareIds, parseSnowflake, type Message } from '../core/index.js';

/**
 * `recent:<conv>`: a capped Redis Stream of the latest messages of a conversation. Sync reads it
 * beside Cassandra, so a message acked a moment ago is never missing while persistence lags.
 */
export const RECENT_MAXLEN = 2000;

/** How far a gateway's clock may run ahead of Redis's without a stream read missing a message. */
export const RECENT_CLOCK_SLACK_MS = 5000;

/**
 * Messages in the stream with an id strictly above `afterId`, oldest first, at most `limit`.
 * An entry is appended after its id was made, so its stream id (Redis's clock at XADD) is not
 * older than the id's timestamp, less clock slack: the read starts there, not at the stream's
 * beginning (syncs come in storms; most of the stream is older than what they ask for).
 */
export async function readRecentAfter(redis: Redis, key: string, afterId: string, limit: number): Promise<Message[]> {
  const from = afterId === '0' ? '-' : `${Math.max(0, parseSnowflake(afterId).timestampMs - RECENT_CLOCK_SLACK_MS)}-0`;
  const entries = (await redis.xrange(key, from, '+')) as Array<[string, string[]]>;
  const out: Message[] = [];
  for (const [, fields] of entries) {
    const json = fields[1];
    if (!json) continue;
    const m = JSON.parse(json) as Message;
    if (compareIds(m.messageId, afterId) > 0) out.push(m);
  }
  out.sort((a, b) => compareIds(a.messageId, b.messageId));
  return out.slice(0, limit);
}

import type { ChainableCommander, Redis } from 'ioredis';
import { compareIds, type Message } from '../core/index.js';

/**
 * `recent:<conv>`: a capped Redis Stream of the latest messages of a conversation. Sync reads it
 * beside Cassandra, so a message acked a moment ago is never missing while persistence lags.
 */
export const RECENT_MAXLEN = 2000;

/** Appends to the stream inside the caller's pipeline (one round trip with the publishes). */
export function appendRecent(pipeline: ChainableCommander, key: string, messageJson: string): void {
  pipeline.xadd(key, 'MAXLEN', '~', String(RECENT_MAXLEN), '*', 'm', messageJson);
}

/** Messages in the stream with an id strictly above `afterId`, oldest first, at most `limit`. */
export async function readRecentAfter(redis: Redis, key: string, afterId: string, limit: number): Promise<Message[]> {
  const entries = (await redis.xrange(key, '-', '+')) as Array<[string, string[]]>;
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

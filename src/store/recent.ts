import type { Redis } from 'ioredis';
import type { Message } from '../core/index.js';

/**
 * `recent:<conv>`: a capped Redis Stream of the latest messages of a conversation. Sync reads it
 * beside Cassandra, so a message acked a moment ago is never missing while persistence lags.
 * Each entry's stream id is `<messageId>-0` (the publish script appends under the message's own
 * id), so "after X" is an exact, bounded XRANGE.
 */
export const RECENT_MAXLEN = 2000;

export interface RecentPage {
  /** Messages with an id strictly above `after`, oldest first, at most `limit`. */
  messages: Message[];
  /**
   * The highest message id the cap has trimmed from the stream ("0" when none was): messages
   * up to it are only in Cassandra, so a page that needs them and Cassandra lacks them has a hole.
   */
  trimmedUpTo: string;
}

export async function readRecentAfter(redis: Redis, key: string, afterId: string, limit: number): Promise<RecentPage> {
  const from = afterId === '0' ? '-' : `(${afterId}-0`;
  const [[rangeErr, entries], [infoErr, info]] = (await redis
    .pipeline()
    .xrange(key, from, '+', 'COUNT', limit)
    .xinfo('STREAM', key)
    .exec()) as [[Error | null, Array<[string, string[]]>], [Error | null, unknown[]]];
  if (rangeErr) throw rangeErr;
  const messages: Message[] = [];
  for (const [, fields] of entries ?? []) {
    const json = fields[1];
    if (json) messages.push(JSON.parse(json) as Message);
  }
  // XINFO fails on a stream that does not exist: nothing was ever trimmed from it.
  return { messages, trimmedUpTo: infoErr ? '0' : maxDeletedOf(info) };
}

/** `max-deleted-entry-id` (Redis >= 7.0) of an XINFO STREAM reply, as a message id. */
function maxDeletedOf(info: unknown[] | undefined): string {
  const i = info?.indexOf('max-deleted-entry-id') ?? -1;
  const id = i >= 0 ? String(info![i + 1]) : '0-0';
  return id.split('-')[0] || '0';
}

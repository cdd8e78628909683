/**
 * A page of history = Cassandra (the past) ∪ the `recent:<conv>` stream (the seconds the
 * persist worker has not written yet). Either source alone can miss messages; the union,
 * de-duplicated by id, cannot (within the stream's cap).
 */
import type { Redis } from 'ioredis';
import { ChatlabError, ErrorCodes, compareIds, type Message } from '../core/index.js';
import type { MessagePage, MessageStore } from './messages.js';
import { readRecentAfter } from './recent.js';

/**
 * Merges two pages that each start right after the same `after` id. `a` holds the first
 * messages of its source (at most `limit`, `aHasMore` when that source has more); `b` holds
 * the first messages of its source, fetched with limit+1 so that its overflow is visible here.
 * The first `limit` of the union is then exact: a message among the union's first `limit` is
 * among the first `limit` of its own source.
 */
export function mergeHistory(a: readonly Message[], b: readonly Message[], limit: number, aHasMore: boolean): MessagePage {
  const byId = new Map<string, Message>();
  // Cassandra's copy wins: it is the durable one (the two are identical unless a bug says otherwise).
  for (const m of b) byId.set(m.messageId, m);
  for (const m of a) byId.set(m.messageId, m);
  const all = [...byId.values()].sort((x, y) => compareIds(x.messageId, y.messageId));
  return { messages: all.slice(0, limit), hasMore: aHasMore || all.length > limit };
}

export interface ReadHistoryParams {
  store: MessageStore;
  redis: Redis;
  /** The conversation's `recent:<conv>` key (redisKeys(prefix).recent(conversationId)). */
  recentKey: string;
  conversationId: string;
  /** Strictly after this id; "0" from the start. */
  after: string;
  limit: number;
  /** Earliest time worth scanning in Cassandra (conversation creation): no bucket before it is read. */
  fromMs?: number;
}

/**
 * Persistence holds a prefix of each conversation (Kafka keeps a conversation's order), the
 * stream its newest messages. When the cap trimmed messages above `after` (`trimmedUpTo`) and
 * Cassandra has nothing up to them (its page ended below), the merged page would skip them:
 * a hole, to be answered "retry" rather than served.
 */
export function historyHasHole(after: string, stored: MessagePage, trimmedUpTo: string): boolean {
  if (compareIds(trimmedUpTo, after) <= 0 || stored.hasMore) return false;
  const storedTop = stored.messages.at(-1)?.messageId ?? after;
  return compareIds(storedTop, trimmedUpTo) < 0;
}

export async function readHistory(p: ReadHistoryParams): Promise<MessagePage> {
  const [stored, recent] = await Promise.all([
    p.store.after(p.conversationId, p.after, p.limit, p.fromMs === undefined ? {} : { fromMs: p.fromMs }),
    readRecentAfter(p.redis, p.recentKey, p.after, p.limit + 1),
  ]);
  if (historyHasHole(p.after, stored, recent.trimmedUpTo)) {
    throw new ChatlabError(ErrorCodes.UNAVAILABLE, `history of ${p.conversationId} after ${p.after} is not persisted yet and no longer in the recent stream: retry`);
  }
  return mergeHistory(stored.messages, recent.messages, p.limit, stored.hasMore);
}

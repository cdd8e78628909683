/**
 * A page of history = Cassandra (the past) ∪ the `recent:<conv>` stream (the seconds the
 * persist worker has not written yet). Either source alone can miss messages; the union,
 * de-duplicated by id, cannot (within the stream's cap).
 */
import type { Redis } from 'ioredis';
import { ChatlabError, ErrorCodes, compareIds, type Message } from '../core/index.js';
import type { MessagePage, MessageStore } from './messages.js';
import { readRecentAfter, type RecentPage } from './recent.js';

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
  /** Redis restarted a moment ago: an absent stream may be a lost one (see historyHasHole). */
  streamMayBeLost?: boolean;
}

/**
 * Persistence holds a prefix of each conversation (Kafka keeps a conversation's order), the
 * stream its newest messages from `first` on. When the stream does not reach back to `after`,
 * Cassandra must hold what came before the stream: up to `first.prev` (the id published just
 * before it) or, when that is unknown (the stream began there: a new conversation, or Redis
 * lost it), up to `first.id` itself. If its messages after `after` end below that, the merged
 * page could skip messages: a hole, answered "retry" rather than served.
 */
export function historyHasHole(after: string, stored: MessagePage, first: RecentPage['first'], streamMayBeLost = false): boolean {
  // No stream at all: nothing to check against, unless Redis was just lost with its streams
  // (acked messages may not be in Cassandra yet): retry until one is published again.
  if (!first) return streamMayBeLost;
  if (compareIds(after, first.id) >= 0 || stored.hasMore) return false;
  if (first.prev !== null && compareIds(first.prev, after) <= 0) return false;
  const storedTop = stored.messages.at(-1)?.messageId ?? after;
  return compareIds(storedTop, first.prev ?? first.id) < 0;
}

/**
 * The page from the stream alone, when the stream holds every message after `after`: it reaches
 * back to `after` (its first entry is at or below it, or the message published just before its
 * first entry is), and the read either overflowed the page or reached the stream's end. Null
 * when Cassandra must be read (a sync storm after a gateway restart is mostly served here).
 */
export function pageFromStream(after: string, recent: RecentPage, limit: number): MessagePage | null {
  const first = recent.first;
  if (!first) return null;
  const covers = compareIds(after, first.id) >= 0 || (first.prev !== null && compareIds(first.prev, after) <= 0);
  if (!covers) return null;
  if (recent.messages.length > limit) return { messages: recent.messages.slice(0, limit), hasMore: true };
  if (recent.full) return null; // member changes filled the read: whether more follow is unknown
  return { messages: recent.messages, hasMore: false };
}

export async function readHistory(p: ReadHistoryParams): Promise<MessagePage> {
  const recent = await readRecentAfter(p.redis, p.recentKey, p.after, p.limit + 1);
  const fromStream = pageFromStream(p.after, recent, p.limit);
  if (fromStream) return fromStream;
  // a new conversation's syncs (a reconnect storm's, mostly) are answered without Cassandra
  if (recent.neverPublished) return { messages: [], hasMore: false };
  // no stream just after a Redis loss: the answer is "retry" whatever Cassandra holds (historyHasHole),
  // so a reconnect storm's syncs do not read it before then
  if (!recent.first && p.streamMayBeLost) throw holeError(p);
  const stored = await p.store.after(p.conversationId, p.after, p.limit, p.fromMs === undefined ? {} : { fromMs: p.fromMs });
  if (historyHasHole(p.after, stored, recent.first, p.streamMayBeLost)) throw holeError(p);
  return mergeHistory(stored.messages, recent.messages, p.limit, stored.hasMore);
}

function holeError(p: Pick<ReadHistoryParams, 'conversationId' | 'after'>): ChatlabError {
  return new ChatlabError(ErrorCodes.UNAVAILABLE, `history of ${p.conversationId} after ${p.after} is not persisted yet and no longer in the recent stream: retry`);
}

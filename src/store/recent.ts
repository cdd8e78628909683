import type { Redis } from 'ioredis';
import type { Message } from '../core/index.js';
import { deletedKeyOf } from './keys.js';

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
   * The stream's oldest entry and the id published before it ('0': the conversation's first;
   * null when unknown: the stream began after Redis lost it). Messages below `first.id`
   * are only in Cassandra, so a page that needs them while Cassandra lacks them has a hole.
   */
  first: { id: string; prev: string | null } | null;
  /** The read stopped at its COUNT (member changes count too): the stream may hold more after these. */
  full?: boolean;
}

/** A message id as a member of the `deleted:<conv>` ZSET: zero-padded, so lexical order is id order. */
export function deletedMember(messageId: string): string {
  return messageId.padStart(19, '0');
}

/**
 * Deleted ids above `afterId` as the pipeline's ZRANGEBYLEX returned them (padded) → a set of ids.
 * The stream keeps a deleted message's entry (the chain of `p` fields stays whole, so a hole is
 * still told from none); every reader of the stream leaves these out.
 */
export function deletedIds(members: readonly string[] | null | undefined): Set<string> {
  const out = new Set<string>();
  for (const m of members ?? []) out.add(m.replace(/^0+(?=\d)/, ''));
  return out;
}

export async function readRecentAfter(redis: Redis, key: string, afterId: string, limit: number): Promise<RecentPage> {
  const from = afterId === '0' ? '-' : `(${afterId}-0`;
  const [[rangeErr, entries], [firstErr, firsts], [deletedErr, deletedMembers]] = (await redis
    .pipeline()
    .xrange(key, from, '+', 'COUNT', limit)
    .xrange(key, '-', '+', 'COUNT', 1)
    .zrangebylex(deletedKeyOf(key), `(${deletedMember(afterId)}`, '+')
    .exec()) as [[Error | null, Array<[string, string[]]>], [Error | null, Array<[string, string[]]>], [Error | null, string[]]];
  if (rangeErr ?? firstErr ?? deletedErr) throw rangeErr ?? firstErr ?? deletedErr;
  const deleted = deletedIds(deletedMembers);
  const messages: Message[] = [];
  let read = entries ?? [];
  let full = read.length >= limit;
  for (;;) {
    for (const [streamId, fields] of read) {
      const json = field(fields, 'm');
      if (json && !(deleted.size > 0 && deleted.has(streamId.split('-')[0]!))) messages.push(JSON.parse(json) as Message);
    }
    // Deleted messages took room in the read: read on, so that a page from the stream (or its
    // overflow that tells the merge more follow) is what it would be without them.
    const last = read.at(-1)?.[0];
    if (!full || messages.length >= limit || deleted.size === 0 || last === undefined) break;
    read = (await redis.xrange(key, `(${last}`, '+', 'COUNT', limit - messages.length)) as Array<[string, string[]]>;
    full = read.length >= limit - messages.length;
  }
  const head = firsts?.[0];
  return { messages, first: head ? { id: head[0].split('-')[0]!, prev: field(head[1], 'p') || null } : null, full };
}

function field(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

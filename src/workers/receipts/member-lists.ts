import { FOUNDER_SPANS, visibleTo, type Span } from '../../store/index.js';

/** Who is in a conversation now, and the spans of those whose membership changed. */
export interface MemberList {
  members: readonly string[];
  /** Users absent here are founding members who never changed (everything visible). */
  spans: ReadonlyMap<string, readonly Span[]>;
}

/**
 * The receipts worker's member lists, kept only while they are known to be current: a member
 * change heard on `members:changes` drops the conversation's list, and a list whose load was in
 * flight when a change (or a loss of the subscriber) came is used once but not kept (it may
 * predate the change). While the subscriber is away (`lost` until `resumed`) nothing is kept:
 * changes published meanwhile are not heard.
 */
export class MemberLists {
  private readonly cache = new Map<string, MemberList>();
  /** Loads in flight, per conversation: a change marks them stale. */
  private readonly loading = new Map<string, Set<{ stale: boolean }>>();
  private live = false;

  constructor(
    private readonly load: (conversationId: string) => Promise<MemberList | null>,
    private readonly max = 100_000,
  ) {}

  async get(conversationId: string): Promise<MemberList | null> {
    const hit = this.cache.get(conversationId);
    if (hit) return hit;
    const token = { stale: !this.live };
    let pending = this.loading.get(conversationId);
    if (!pending) this.loading.set(conversationId, (pending = new Set()));
    pending.add(token);
    try {
      const list = await this.load(conversationId);
      if (list && !token.stale && this.live) {
        if (this.cache.size >= this.max) this.cache.delete(this.cache.keys().next().value as string);
        this.cache.set(conversationId, list);
      }
      return list;
    } finally {
      pending.delete(token);
      if (pending.size === 0) this.loading.delete(conversationId);
    }
  }

  /** A member change of the conversation was heard. */
  changed(conversationId: string): void {
    this.cache.delete(conversationId);
    for (const token of this.loading.get(conversationId) ?? []) token.stale = true;
  }

  /** The subscriber is gone: changes may pass unheard from now on. */
  lost(): void {
    this.live = false;
    this.cache.clear();
    for (const set of this.loading.values()) for (const token of set) token.stale = true;
  }

  /** The subscriber listens again: lists loaded from now on are current. */
  resumed(): void {
    this.cache.clear();
    for (const set of this.loading.values()) for (const token of set) token.stale = true;
    this.live = true;
  }

  get size(): number {
    return this.cache.size;
  }
}

/** Members told of `reader`'s watermark: the others, each only for a message in their spans. */
export function receiptRecipients(list: MemberList, reader: string, messageId: string): string[] {
  return list.members.filter((m) => m !== reader && visibleTo(list.spans.get(m) ?? FOUNDER_SPANS, messageId));
}

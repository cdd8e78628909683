import { compareIds } from '../../core/index.js';
import { applyChange, visibleTo, type Span } from '../../store/index.js';
import type { MembershipHistory } from './types.js';

/**
 * Who was a member of a conversation at a point of its id order. A change's id is minted in
 * the conversation's order, like a message's, so a message with an id above a user's join and
 * below their leave was published while they were a member (docs/protocol.md, Member changes).
 */
export class MembershipTimeline {
  private readonly founders = new Map<string, Set<string>>();
  private readonly spans = new Map<string, Map<string, Span[]>>();

  constructor(history: MembershipHistory | undefined) {
    for (const [conv, t] of Object.entries(history ?? {})) {
      this.founders.set(conv, new Set(t.founders));
      const byUser = new Map<string, Span[]>();
      const ordered = [...t.changes].sort((a, b) => compareIds(a.messageId, b.messageId));
      for (const c of ordered) {
        const start = byUser.get(c.userId) ?? (t.founders.includes(c.userId) ? null : []);
        byUser.set(c.userId, applyChange(start, c.change, c.messageId));
      }
      this.spans.set(conv, byUser);
    }
  }

  /** Whether this conversation's membership is known over time (else the sends' recipients rule). */
  has(conversationId: string): boolean {
    return this.founders.has(conversationId);
  }

  isMember(conversationId: string, userId: string, messageId: string): boolean {
    const spans = this.spans.get(conversationId)?.get(userId);
    if (spans) return visibleTo(spans, messageId);
    return this.founders.get(conversationId)?.has(userId) ?? false;
  }

  /**
   * Whether a user may hear of this change of the conversation: a member just before it or just
   * after it (its own join or leave included), as member frames go to the members before and after.
   */
  mayHearChange(conversationId: string, userId: string, changeId: string): boolean {
    const spans = this.spans.get(conversationId)?.get(userId);
    if (spans) return visibleTo(spans, changeId) || spans.some((s) => s.join === changeId || s.leave === changeId);
    return this.founders.get(conversationId)?.has(userId) ?? false;
  }

  /** Everyone who was a member when this id was published. */
  membersAt(conversationId: string, messageId: string): string[] {
    const users = new Set([...(this.founders.get(conversationId) ?? []), ...(this.spans.get(conversationId)?.keys() ?? [])]);
    return [...users].filter((u) => this.isMember(conversationId, u, messageId));
  }
}

import { compareIds } from '../core/lean/index.js';

/**
 * Which conversations a user is a member of now, as member changes (ids that rise in publish
 * order) arrive. A change is heard twice (its `member` frame, and the app that made it) in either
 * order, and a leave can be heard after the rejoin that followed it: only a change newer than the
 * last one applied to that conversation counts. A conversation left is remembered with the change
 * that left it, so a reconnect still syncs what was published before the leave.
 */
export class Memberships {
  private readonly memberOf: Set<string>;
  /** Per conversation, the id of the last member change of this user applied. */
  private lastChange: Map<string, string> | undefined;
  /** Conversations this user left, at which change. */
  private leftAt: Map<string, string> | undefined;

  constructor(conversations: readonly string[]) {
    this.memberOf = new Set(conversations);
  }

  get list(): string[] {
    return [...this.memberOf];
  }

  has(conversationId: string): boolean {
    return this.memberOf.has(conversationId);
  }

  /** Applies a join at `changeId`; false when it is stale or the user is a member already. */
  join(conversationId: string, changeId: string): boolean {
    if (!this.newer(conversationId, changeId) || this.memberOf.has(conversationId)) return false;
    this.memberOf.add(conversationId);
    this.leftAt?.delete(conversationId);
    return true;
  }

  /** Applies a leave at `changeId`; false when it is stale. */
  leave(conversationId: string, changeId: string): boolean {
    if (!this.newer(conversationId, changeId)) return false;
    this.memberOf.delete(conversationId);
    (this.leftAt ??= new Map()).set(conversationId, changeId);
    return true;
  }

  /** The gateway refused a sync of a conversation left: nothing more to fetch there. */
  forgetLeft(conversationId: string): void {
    this.leftAt?.delete(conversationId);
  }

  /** A member's conversation, or one left at a change above the last id the client has shown. */
  needsSync(conversationId: string, lastId: string): boolean {
    if (this.memberOf.has(conversationId)) return true;
    const leave = this.leftAt?.get(conversationId);
    return leave !== undefined && compareIds(lastId, leave) < 0;
  }

  private newer(conversationId: string, changeId: string): boolean {
    const last = this.lastChange?.get(conversationId);
    if (last !== undefined && compareIds(changeId, last) <= 0) return false;
    (this.lastChange ??= new Map()).set(conversationId, changeId);
    return true;
  }
}

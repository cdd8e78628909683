/**
 * Receipt frames are throttled per conversation: a reader scrolling through 500 messages must
 * not send 500 frames to every other member. New watermarks collect per conversation; a
 * conversation gets a round of frames at most once per `intervalMs`, carrying only the latest
 * watermark of each reader. The first change after a quiet spell goes out at once.
 */
export class ConversationThrottle {
  private readonly pending = new Map<string, Set<string>>();
  private readonly lastSent = new Map<string, number>();

  constructor(private readonly intervalMs: number) {}

  /** `userId`'s watermark in `conversationId` changed. */
  offer(conversationId: string, userId: string): void {
    let users = this.pending.get(conversationId);
    if (!users) {
      users = new Set();
      this.pending.set(conversationId, users);
    }
    users.add(userId);
  }

  /** The conversations whose turn it is at `now`, with the readers that changed; marks them sent. */
  take(now: number): Array<{ conversationId: string; userIds: string[] }> {
    const out: Array<{ conversationId: string; userIds: string[] }> = [];
    for (const [conversationId, users] of this.pending) {
      const last = this.lastSent.get(conversationId);
      if (last !== undefined && now - last < this.intervalMs) continue;
      out.push({ conversationId, userIds: [...users] });
      this.pending.delete(conversationId);
      this.lastSent.set(conversationId, now);
    }
    // A conversation quiet for a whole interval is as good as never sent: forget it.
    for (const [conversationId, last] of this.lastSent) if (now - last >= this.intervalMs && !this.pending.has(conversationId)) this.lastSent.delete(conversationId);
    return out;
  }

  get waiting(): number {
    return this.pending.size;
  }

  get tracked(): number {
    return this.lastSent.size;
  }
}

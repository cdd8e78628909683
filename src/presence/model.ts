/**
 * The presence rules as a plain in-memory model: the specification of the Lua scripts in
 * src/store/presence-scripts.ts (unit-tested here, and the scripts are checked against this
 * model on real Redis in test/integration/presence.int.test.ts).
 */

/** The lazy update: write a socket's last-seen only if it is new or its stored time is stale. */
export function lastSeenWriteNeeded(stored: number | undefined, at: number, refreshMs: number): boolean {
  return stored === undefined || at - stored >= refreshMs;
}

export interface ModelTouch {
  wrote: boolean;
  cameOnline: boolean;
  flap: boolean;
}

export interface ModelLeave {
  wrote: boolean;
  wentOffline: boolean;
}

export class PresenceModel {
  readonly sockets = new Map<string, number>();
  readonly count = new Map<string, number>();
  readonly pending = new Map<string, number>();
  readonly lastSeen = new Map<string, number>();

  constructor(private readonly refreshMs: number) {}

  touch(userId: string, socketId: string, at: number): ModelTouch {
    const member = `${userId}|${socketId}`;
    const prev = this.sockets.get(member);
    if (!lastSeenWriteNeeded(prev, at, this.refreshMs)) return { wrote: false, cameOnline: false, flap: false };
    this.sockets.set(member, at);
    if (prev !== undefined) return { wrote: true, cameOnline: false, flap: false };
    const n = (this.count.get(userId) ?? 0) + 1;
    this.count.set(userId, n);
    if (n !== 1) return { wrote: true, cameOnline: false, flap: false };
    // Back before their offline was announced: friends never saw them leave.
    const flap = this.pending.delete(userId);
    return { wrote: true, cameOnline: true, flap };
  }

  leave(userId: string, socketId: string, p: { at?: number; due: number; maxScore?: number }): ModelLeave {
    const member = `${userId}|${socketId}`;
    const seen = this.sockets.get(member);
    if (seen === undefined || (p.maxScore !== undefined && seen > p.maxScore)) return { wrote: false, wentOffline: false };
    this.sockets.delete(member);
    const n = (this.count.get(userId) ?? 0) - 1;
    if (n > 0) {
      this.count.set(userId, n);
      return { wrote: true, wentOffline: false };
    }
    this.count.delete(userId);
    this.lastSeen.set(userId, p.at ?? seen);
    this.pending.set(userId, p.due);
    return { wrote: true, wentOffline: true };
  }

  dueOffline(now: number): string[] {
    return [...this.pending].filter(([, due]) => due <= now).map(([u]) => u);
  }

  /** Takes a pending offline for announcement: its time, or null if not pending (any more). */
  claim(userId: string): number | null {
    if (!this.pending.delete(userId)) return null;
    return this.lastSeen.get(userId) ?? 0;
  }

  online(userId: string): boolean {
    return (this.count.get(userId) ?? 0) > 0;
  }
}

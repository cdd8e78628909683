import type { PresenceOp, PresenceScripts } from '../store/index.js';
import type { Announcement, Announcer } from './announcer.js';
import type { PresenceEvent } from './codec.js';
import type { PresenceMetrics } from './metrics.js';

export interface PendingOffline {
  userId: string;
  /** When the flap window ends and the offline may be announced. */
  due: number;
}

/** Failed announcements kept for another try at most (a storm while Redis is away). */
export const MAX_RETRY_ANNOUNCEMENTS = 10_000;

/**
 * Applies presence events to the Redis state and announces what changed. Shared by the
 * presence server (decoupled) and the gateways (inline), so both variants run the same rules
 * and count the same way. Announcements are serialised, so one user's online and offline
 * frames leave in the order they happened.
 */
export class PresenceEngine {
  private chain: Promise<unknown> = Promise.resolve();
  /** Announcements whose publish failed: the state already changed, so nothing else would send them. */
  private failed: Announcement[] = [];
  /** Told of each failed announcement (the owner logs it). */
  onAnnounceFailed?: (err: unknown, announcements: number) => void;

  constructor(
    private readonly scripts: PresenceScripts,
    private readonly announcer: Announcer,
    private readonly metrics: PresenceMetrics,
  ) {}

  /**
   * Applies events in order. Users who came online are announced at once (unless it was a
   * flap); users who went offline are returned, pending until `dueOf(event)`.
   */
  async apply(events: readonly PresenceEvent[], dueOf: (e: PresenceEvent) => number): Promise<PendingOffline[]> {
    if (events.length === 0) return [];
    const ops: PresenceOp[] = events.map((e) =>
      e.kind === 'disconnect'
        ? { op: 'leave', userId: e.userId, socketId: e.socketId, at: e.at, due: dueOf(e) }
        : { op: 'touch', userId: e.userId, socketId: e.socketId, at: e.at },
    );
    const results = await this.scripts.run(ops);
    const online: Announcement[] = [];
    const offline: PendingOffline[] = [];
    let writes = 0;
    let flaps = 0;
    results.forEach((r, i) => {
      const e = events[i]!;
      this.metrics.events.inc({ kind: e.kind });
      if (r.wrote) writes++;
      if (r.kind === 'touch' && r.cameOnline) {
        if (r.flap) flaps++;
        else online.push({ userId: e.userId, status: 'online', at: e.at, since: e.at });
      }
      if (r.kind === 'leave' && r.wentOffline) offline.push({ userId: e.userId, due: dueOf(e) });
    });
    this.metrics.writes.inc(writes);
    this.metrics.flaps.inc(flaps);
    await this.announce(online);
    return offline;
  }

  /** Claims the pending offlines whose window ended and announces those this process won. */
  async claimAndAnnounce(pending: readonly PendingOffline[]): Promise<number> {
    if (pending.length === 0) return 0;
    const due = new Map(pending.map((p) => [p.userId, p.due]));
    const won = await this.scripts.claim(pending.map((p) => p.userId));
    this.metrics.writes.inc(won.length);
    await this.announce(won.map((w) => ({ userId: w.userId, status: 'offline', at: w.at, since: due.get(w.userId) ?? w.at })));
    return won.length;
  }

  /** Offlines whose flap window ended by `now` and nobody announced yet. */
  async claimDue(now: number): Promise<number> {
    return this.claimAndAnnounce(await this.scripts.dueOffline(now));
  }

  /**
   * Removes sockets not seen since `now - ttlMs` (zombies: a client or gateway that vanished
   * without a close), unless seen meanwhile. Their users' offline is due at once: they have
   * been silent for a whole TTL already.
   */
  async sweep(now: number, ttlMs: number): Promise<number> {
    const cutoff = now - ttlMs;
    const stale = await this.scripts.staleSockets(cutoff);
    if (stale.length === 0) return 0;
    const results = await this.scripts.run(stale.map((s) => ({ op: 'leave', userId: s.userId, socketId: s.socketId, due: now, maxScore: cutoff })));
    const removed = results.filter((r) => r.wrote).length;
    this.metrics.events.inc({ kind: 'expired' }, removed);
    this.metrics.writes.inc(removed);
    return removed;
  }

  /**
   * Failed announcements go out again first, ahead of newer ones (so a user's frames keep their
   * order), with the next announcement or retryFailed(). A failure never rejects: the events
   * behind it are applied and acknowledged, the announcement is what is owed.
   */
  private announce(list: Announcement[]): Promise<void> {
    if (list.length === 0 && this.failed.length === 0) return Promise.resolve();
    const next = this.chain.then(async () => {
      const batch = this.failed.length > 0 ? [...this.failed.splice(0), ...list] : list;
      if (batch.length === 0) return;
      try {
        await this.announcer.announce(batch);
      } catch (err) {
        this.failed = batch.slice(-MAX_RETRY_ANNOUNCEMENTS);
        this.onAnnounceFailed?.(err, batch.length);
      }
    });
    this.chain = next;
    return next;
  }

  /** Called by the owner's tick: announces again what failed, if anything. */
  retryFailed(): Promise<void> {
    return this.announce([]);
  }

  /** Resolves once every announcement started so far is done. */
  async idle(): Promise<void> {
    await this.chain;
  }
}

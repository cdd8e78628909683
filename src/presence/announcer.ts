import type { Redis } from 'ioredis';
import { systemClock, type Clock, type PresenceFrame } from '../core/index.js';
import { encodeServiceFrame, publishBatched, type PresenceScripts, type RedisKeys } from '../store/index.js';
import type { FriendsCache } from './friends.js';
import type { PresenceMetrics } from './metrics.js';

export interface Announcement {
  userId: string;
  status: 'online' | 'offline';
  /** The `at` of the frame: when the user came online or went offline. */
  at: number;
  /** When the change became announceable (the fan-out latency runs from here). */
  since: number;
}

/** Online checks per HMGET: one round trip for a whole storm of changes. */
const ONLINE_CHECK_CHUNK = 1000;

/**
 * Fans status changes out to the friends that are online, as `presence` frames through their
 * inboxes. A batch of changes (a sweep, a read of the event stream) costs one friend lookup
 * each (cached), one online check per 1000 friends and one pipeline per `batch` frames.
 */
export class Announcer {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly scripts: PresenceScripts,
    private readonly friends: FriendsCache,
    private readonly metrics: Pick<PresenceMetrics, 'notifications' | 'fanout'>,
    private readonly batch = 500,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Returns the number of frames published. */
  async announce(changes: readonly Announcement[]): Promise<number> {
    if (changes.length === 0) return 0;
    const lists = await Promise.all(changes.map((c) => this.friends.friendsOf(c.userId)));
    const everyone = [...new Set(lists.flat())];
    const online = new Set<string>();
    for (let i = 0; i < everyone.length; i += ONLINE_CHECK_CHUNK) {
      const chunk = everyone.slice(i, i + ONLINE_CHECK_CHUNK);
      (await this.scripts.online(chunk)).forEach((on, j) => on && online.add(chunk[j]!));
    }
    const messages: Array<[string, string]> = [];
    changes.forEach((c, i) => {
      const frame: PresenceFrame = { type: 'presence', userId: c.userId, status: c.status, at: c.at };
      const payload = encodeServiceFrame('presence', JSON.stringify(frame));
      for (const friend of lists[i]!) if (online.has(friend)) messages.push([this.keys.inbox(friend), payload]);
    });
    await publishBatched(this.redis, messages, this.batch);
    this.metrics.notifications.inc(messages.length);
    const now = this.clock.now();
    for (const c of changes) this.metrics.fanout.observe(Math.max(0, now - c.since) / 1000);
    return messages.length;
  }
}

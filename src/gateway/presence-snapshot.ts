import type { Redis } from 'ioredis';
import type { PresenceSnapshotFrame } from '../core/index.js';
import type { FriendsCache } from '../presence/index.js';
import type { RedisKeys } from '../store/index.js';

type Friend = PresenceSnapshotFrame['friends'][number];

/**
 * Each friend's current status, read from the presence server's state in one round trip:
 * `presence:count` (live sockets: online), `presence:pending` (offline not announced yet, still
 * inside the flap window: online, as friends were last told) and `presence:lastseen` (the `at`
 * of an offline). For an online friend `at` is the time of this read: the state keeps no
 * "online since". Nothing here touches the chat path: it runs after the socket opened.
 */
export async function presenceSnapshot(redis: Redis, keys: RedisKeys, friends: readonly string[], now = Date.now()): Promise<PresenceSnapshotFrame> {
  if (friends.length === 0) return { type: 'presence_snapshot', friends: [] };
  const pipeline = redis.pipeline();
  pipeline.hmget(keys.presenceCount, ...friends);
  pipeline.hmget(keys.presenceLastSeen, ...friends);
  for (const f of friends) pipeline.zscore(keys.presencePending, f);
  const results = (await pipeline.exec()) ?? [];
  const failed = results.find(([err]) => err);
  if (failed) throw failed[0];
  const counts = results[0]![1] as Array<string | null>;
  const lastSeen = results[1]![1] as Array<string | null>;
  const out: Friend[] = friends.map((userId, i) => {
    const pending = results[2 + i]![1] !== null;
    if ((counts[i] !== null && Number(counts[i]) > 0) || pending) return { userId, status: 'online', at: now };
    return { userId, status: 'offline', at: Number(lastSeen[i] ?? 0) || 0 };
  });
  return { type: 'presence_snapshot', friends: out };
}

/** Sends the snapshot to a socket just opened (errors are logged: presence is best effort). */
export async function sendPresenceSnapshot(deps: { redis: Redis; keys: RedisKeys; friends: FriendsCache }, userId: string, send: (f: PresenceSnapshotFrame) => void): Promise<void> {
  const friends = await deps.friends.friendsOf(userId);
  send(await presenceSnapshot(deps.redis, deps.keys, friends));
}

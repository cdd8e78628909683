import type { Redis } from 'ioredis';
import type { RedisKeys } from './keys.js';

/**
 * The presence state in Redis, changed only through these scripts so that each change is
 * atomic even when a presence server and inline gateways write at once:
 *   presenceSockets  ZSET `<user>|<socket>` → last seen ms
 *   presenceCount    HASH user → live sockets (online while present)
 *   presencePending  ZSET user → when their offline may be announced (flap window)
 *   presenceLastSeen HASH user → when they went offline
 * The rules are specified by src/presence/model.ts; presence.int.test.ts checks these scripts
 * against that model.
 */

/**
 * connect or heartbeat. Lazy: a known socket seen less than `refreshMs` ago is not written at
 * all (most heartbeats cost no write). A user's first socket makes them online; if their
 * offline was still pending (not announced), that is a flap: the pending entry is dropped.
 * KEYS sockets, count, pending; ARGV member, user, at, refreshMs → {wrote, cameOnline, flap}
 */
const TOUCH_LUA = `
local prev = redis.call('ZSCORE', KEYS[1], ARGV[1])
local at = tonumber(ARGV[3])
if prev then
  if at - tonumber(prev) < tonumber(ARGV[4]) then return {0, 0, 0} end
  redis.call('ZADD', KEYS[1], at, ARGV[1])
  return {1, 0, 0}
end
redis.call('ZADD', KEYS[1], at, ARGV[1])
if redis.call('HINCRBY', KEYS[2], ARGV[2], 1) ~= 1 then return {1, 0, 0} end
return {1, 1, redis.call('ZREM', KEYS[3], ARGV[2])}
`;

/**
 * disconnect, or the sweep removing a zombie (then only if the socket was not seen after
 * `maxScore`, so a heartbeat that raced the sweep wins). The user's last socket makes their
 * offline pending until `due`. `at` empty = the socket's last seen time.
 * KEYS sockets, count, pending, lastseen; ARGV member, user, at, due, maxScore
 * → 0 unknown socket, 1 socket removed, 2 socket removed and user offline (pending)
 */
const LEAVE_LUA = `
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not s then return 0 end
if ARGV[5] ~= '' and tonumber(s) > tonumber(ARGV[5]) then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('HINCRBY', KEYS[2], ARGV[2], -1) > 0 then return 1 end
redis.call('HDEL', KEYS[2], ARGV[2])
local at = ARGV[3]
if at == '' then at = s end
redis.call('HSET', KEYS[4], ARGV[2], at)
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
return 2
`;

/**
 * Takes a pending offline for announcement. Exactly one caller wins (the presence server's
 * tick, an inline gateway's timer, or a reconnect cancelling it as a flap).
 * KEYS pending, lastseen; ARGV user → the offline time, or nil if not pending any more.
 */
const CLAIM_LUA = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return false end
return redis.call('HGET', KEYS[2], ARGV[1]) or '0'
`;

export interface TouchResult {
  kind: 'touch';
  /** The script changed state (a new socket, or a refresh of a stale last-seen). */
  wrote: boolean;
  /** The user's first live socket. */
  cameOnline: boolean;
  /** cameOnline while their offline was still pending: announce neither. */
  flap: boolean;
}

export interface LeaveResult {
  kind: 'leave';
  wrote: boolean;
  /** The user's last socket went: offline is pending until the flap window ends. */
  wentOffline: boolean;
}

export type PresenceOp =
  | { op: 'touch'; userId: string; socketId: string; at: number }
  | { op: 'leave'; userId: string; socketId: string; at?: number; due: number; maxScore?: number };

export interface StaleSocket {
  userId: string;
  socketId: string;
  lastSeen: number;
}

type ScriptRunner = Record<'chatlabPresenceTouch' | 'chatlabPresenceLeave' | 'chatlabPresenceClaim', (...args: Array<string | number>) => unknown>;

export function socketMember(userId: string, socketId: string): string {
  return `${userId}|${socketId}`;
}

export class PresenceScripts {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    /** A known socket's last-seen is rewritten only when older than this (the lazy update). */
    private readonly refreshMs: number,
  ) {
    redis.defineCommand('chatlabPresenceTouch', { lua: TOUCH_LUA, numberOfKeys: 3 });
    redis.defineCommand('chatlabPresenceLeave', { lua: LEAVE_LUA, numberOfKeys: 4 });
    redis.defineCommand('chatlabPresenceClaim', { lua: CLAIM_LUA, numberOfKeys: 2 });
  }

  /** Runs the ops in order in one round trip. */
  async run(ops: readonly PresenceOp[]): Promise<Array<TouchResult | LeaveResult>> {
    if (ops.length === 0) return [];
    const k = this.keys;
    const pipeline = this.redis.pipeline() as unknown as ScriptRunner & { exec(): Promise<Array<[Error | null, unknown]> | null> };
    for (const o of ops) {
      const member = socketMember(o.userId, o.socketId);
      if (o.op === 'touch') pipeline.chatlabPresenceTouch(k.presenceSockets, k.presenceCount, k.presencePending, member, o.userId, o.at, this.refreshMs);
      else pipeline.chatlabPresenceLeave(k.presenceSockets, k.presenceCount, k.presencePending, k.presenceLastSeen, member, o.userId, o.at ?? '', o.due, o.maxScore ?? '');
    }
    const results = (await pipeline.exec()) ?? [];
    return ops.map((o, i) => {
      const [err, value] = results[i] ?? [new Error('no reply'), null];
      if (err) throw err;
      if (o.op === 'touch') {
        const [wrote, came, flap] = value as [number, number, number];
        return { kind: 'touch', wrote: wrote === 1, cameOnline: came === 1, flap: flap === 1 };
      }
      const r = Number(value);
      return { kind: 'leave', wrote: r > 0, wentOffline: r === 2 };
    });
  }

  /** Users whose pending offline is due at `now` (not yet claimed), with when it fell due. */
  async dueOffline(now: number, limit = 1000): Promise<Array<{ userId: string; due: number }>> {
    const flat = await this.redis.zrangebyscore(this.keys.presencePending, '-inf', now, 'WITHSCORES', 'LIMIT', 0, limit);
    const out: Array<{ userId: string; due: number }> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push({ userId: flat[i]!, due: Number(flat[i + 1]) });
    return out;
  }

  /** Claims pending offlines; returns those this caller won, with their offline time. */
  async claim(userIds: readonly string[]): Promise<Array<{ userId: string; at: number }>> {
    if (userIds.length === 0) return [];
    const pipeline = this.redis.pipeline() as unknown as ScriptRunner & { exec(): Promise<Array<[Error | null, unknown]> | null> };
    for (const u of userIds) pipeline.chatlabPresenceClaim(this.keys.presencePending, this.keys.presenceLastSeen, u);
    const results = (await pipeline.exec()) ?? [];
    const won: Array<{ userId: string; at: number }> = [];
    results.forEach(([err, value], i) => {
      if (!err && value !== null && value !== undefined) won.push({ userId: userIds[i]!, at: Number(value) });
    });
    return won;
  }

  /** Sockets not seen since `cutoff` (zombies: their close was never reported). */
  async staleSockets(cutoff: number, limit = 1000): Promise<StaleSocket[]> {
    const flat = await this.redis.zrangebyscore(this.keys.presenceSockets, '-inf', cutoff, 'WITHSCORES', 'LIMIT', 0, limit);
    const out: StaleSocket[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const member = flat[i]!;
      const bar = member.indexOf('|');
      if (bar > 0) out.push({ userId: member.slice(0, bar), socketId: member.slice(bar + 1), lastSeen: Number(flat[i + 1]) });
    }
    return out;
  }

  /** Which of these users are online now (one round trip). */
  async online(userIds: readonly string[]): Promise<boolean[]> {
    if (userIds.length === 0) return [];
    const counts = await this.redis.hmget(this.keys.presenceCount, ...userIds);
    return counts.map((c) => c !== null && Number(c) > 0);
  }

  onlineUsers(): Promise<number> {
    return this.redis.hlen(this.keys.presenceCount);
  }
}

import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/index.js';
import { LEASE_MARGIN, leaseWorkerId } from './worker-lease.js';

/** A Redis that holds keys in a Map, and can "restart" (close the connection, come back empty). */
function fakeRedis() {
  const keys = new Map<string, string>();
  const redis = new EventEmitter() as EventEmitter & { status: string; set(...a: unknown[]): Promise<string | null>; eval(...a: unknown[]): Promise<number> };
  redis.status = 'ready';
  redis.set = async (key, value) => {
    if (keys.has(key as string)) return null;
    keys.set(key as string, value as string);
    return 'OK';
  };
  // the renew script: still ours?
  redis.eval = async (_script, _n, key, owner) => (keys.get(key as string) === owner ? 1 : 0);
  const restart = () => {
    keys.clear();
    redis.status = 'reconnecting';
    redis.emit('close');
  };
  const back = () => {
    redis.status = 'ready';
    redis.emit('ready');
  };
  return { redis: redis as unknown as Redis, keys, restart, back };
}

describe('worker-id lease', () => {
  it('stops minting the moment its connection closes (a Redis restart loses the key), and is lost once back if another took it', async () => {
    const clock = new ManualClock();
    const r = fakeRedis();
    const lost: string[] = [];
    const lease = await leaseWorkerId(r.redis, { prefix: 't:', ttlMs: 30_000, owner: 'a', clock, random: () => 0, onLost: (why) => lost.push(why) });
    expect(lease.held).toBe(true);
    r.restart();
    expect(lease.held).toBe(false); // not 30 s later: now
    // another gateway takes the same id on the new Redis first
    r.keys.set(lease.key, 'b');
    r.back();
    await new Promise((res) => setImmediate(res));
    expect(lease.held).toBe(false);
    expect(lost).toHaveLength(1);
    await lease.stop();
  });

  it('holds again after a connection blip that kept the key', async () => {
    const clock = new ManualClock();
    const r = fakeRedis();
    const lease = await leaseWorkerId(r.redis, { prefix: 't:', ttlMs: 30_000, owner: 'a', clock, random: () => 0 });
    const kept = new Map(r.keys);
    r.restart();
    for (const [k, v] of kept) r.keys.set(k, v);
    r.back();
    await new Promise((res) => setImmediate(res));
    expect(lease.held).toBe(true);
    await lease.stop();
  });

  it('gives up its lease a margin before the TTL ends', async () => {
    const clock = new ManualClock();
    const r = fakeRedis();
    const lease = await leaseWorkerId(r.redis, { prefix: 't:', ttlMs: 1000, owner: 'a', clock, random: () => 0 });
    clock.set(clock.now() + 1000 * (1 - LEASE_MARGIN));
    expect(lease.held).toBe(false);
    await lease.stop();
  });
});

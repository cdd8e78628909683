import { describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { ManualClock, createRegistry } from '../core/index.js';
import { decodePresenceEvent } from '../presence/index.js';
import { redisKeys, type CassandraClient } from '../store/index.js';
import type { CachedConversations } from './context.js';
import { createGatewayEvents } from './events.js';
import { parseGatewayOptions } from './options.js';

/** Records what the gateway asks of Redis; scripts defined with defineCommand become methods. */
function fakeRedis() {
  const calls: Array<[string, unknown[]]> = [];
  const r: Record<string, unknown> = {
    defineCommand(name: string) {
      r[name] = async (...args: unknown[]) => (calls.push([name, args]), 1);
    },
    xadd: async (...args: unknown[]) => (calls.push(['xadd', args]), '1-0'),
  };
  return { redis: r as unknown as Redis, calls };
}

function sink(options: Record<string, unknown> = {}) {
  const { redis, calls } = fakeRedis();
  const registry = createRegistry('test');
  const cassandraCalls: unknown[][] = [];
  const cassandra = { execute: async (...args: unknown[]) => (cassandraCalls.push(args), {}) } as unknown as CassandraClient;
  const events = createGatewayEvents({
    options: parseGatewayOptions(options),
    redis,
    keys: redisKeys('t:'),
    conversations: {} as CachedConversations,
    cassandra,
    keyspace: 'ks',
    registry,
    clock: new ManualClock(5000),
    log: () => {},
  });
  const metric = async (name: string) => (await registry.getSingleMetric(name)?.get())?.values.reduce((s, v) => s + v.value, 0) ?? 0;
  return { events, calls, cassandraCalls, metric };
}

const presenceEvents = (calls: Array<[string, unknown[]]>) =>
  calls.filter(([n]) => n === 'xadd').map(([, a]) => {
    expect(a[0]).toBe('t:presence:events');
    return decodePresenceEvent(a.slice(5) as string[]);
  });

describe('gateway events, presence=decoupled', () => {
  it('only appends events to the stream, and reports open sockets as gone on close', async () => {
    const { events, calls, metric } = sink();
    events.connected('alice', 'g:1');
    events.heartbeat('alice', 'g:1');
    events.heartbeat('bob', 'g:9'); // not a socket of ours: dropped
    events.connected('bob', 'g:2');
    events.disconnected('bob', 'g:2');
    await events.close();
    events.disconnected('alice', 'g:1'); // its close completing after shutdown: already reported
    await events.close();
    expect(presenceEvents(calls)).toEqual([
      { kind: 'connect', userId: 'alice', socketId: 'g:1', at: 5000 },
      { kind: 'heartbeat', userId: 'alice', socketId: 'g:1', at: 5000 },
      { kind: 'connect', userId: 'bob', socketId: 'g:2', at: 5000 },
      { kind: 'disconnect', userId: 'bob', socketId: 'g:2', at: 5000 },
      { kind: 'disconnect', userId: 'alice', socketId: 'g:1', at: 5000 },
    ]);
    expect(await metric('chatlab_presence_events_emitted_total')).toBe(5);
    // handled (and counted) by the presence server, not here
    expect(await metric('chatlab_presence_events_total')).toBe(0);
  });
});

describe('gateway events, receipts', () => {
  it('write-back: a read raises the watermark and marks it dirty; no Cassandra write', async () => {
    const { events, calls, cassandraCalls, metric } = sink();
    await events.read('alice', 'd_x', '42');
    const raise = calls.find(([n]) => n === 'chatlabReceiptRaise')!;
    expect(raise[1]).toEqual(['t:rcpt:wm:d_x', 't:rcpt:dirty', 't:rcpt:notify', 'alice', '42', 'd_x:alice', '1']);
    expect(cassandraCalls).toHaveLength(0);
    expect(await metric('chatlab_receipt_updates_total')).toBe(1);
  });

  it('write-through: one Cassandra write per read, counted by the gateway; not marked dirty', async () => {
    const { events, calls, cassandraCalls, metric } = sink({ receipts: 'write-through' });
    await events.read('alice', 'd_x', '42');
    await events.read('alice', 'd_x', '41');
    expect(calls.filter(([n]) => n === 'chatlabReceiptRaise').map(([, a]) => a[6])).toEqual(['0', '0']);
    expect(cassandraCalls).toHaveLength(2);
    expect(await metric('chatlab_receipt_db_writes_total')).toBe(2);
    expect(await metric('chatlab_receipt_updates_total')).toBe(2);
  });
});

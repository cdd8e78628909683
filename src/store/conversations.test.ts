import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConversationStore } from './conversations.js';
import { redisKeys } from './keys.js';

describe('conversation ids', () => {
  it('a direct id is stable for the pair in any order, and keyed with the stack secret', () => {
    const a = ConversationStore.idFor(['alice', 'bob'], 'secret-one-0123456789');
    expect(ConversationStore.idFor(['bob', 'alice'], 'secret-one-0123456789')).toBe(a);
    expect(ConversationStore.idFor(['alice', 'bob'], 'secret-two-0123456789')).not.toBe(a);
    expect(a).toMatch(/^d_[A-Za-z0-9_-]{22}$/);
  });

  it('cannot be derived from the members alone (the unkeyed hash of the pair is not it)', () => {
    const unkeyed = `d_${crypto.createHash('sha256').update('alice\u0000bob').digest('base64url').slice(0, 22)}`;
    expect(ConversationStore.idFor(['alice', 'bob'], 'secret-one-0123456789')).not.toBe(unkeyed);
  });

  it('group ids are random', () => {
    expect(ConversationStore.idFor(['a', 'b', 'c'], 's')).not.toBe(ConversationStore.idFor(['a', 'b', 'c'], 's'));
  });
});

describe('ConversationStore.get after Redis lost a conversation', () => {
  it('concurrent readers share one load from Cassandra (a sync storm reads it once)', async () => {
    let selects = 0;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    // Redis holds nothing (restarted); fills succeed
    const redis = {
      pipeline: () => ({ hgetall() { return this; }, smembers() { return this; }, exec: async () => [[null, {}], [null, []]] }),
      eval: async () => 1,
    };
    const cassandra = {
      execute: async (cql: string) => {
        if (cql.includes('membership_changes')) return { rows: [], first: () => null };
        selects++;
        await held;
        return { first: () => ({ kind: 'group', name: null, members: ['a', 'b', 'c'], created_at: new Date(0) }) };
      },
    };
    const store = new ConversationStore(redis as never, cassandra as never, 'ks', redisKeys(''));
    const readers = Array.from({ length: 50 }, () => store.get('g_1'));
    await new Promise((r) => setImmediate(r));
    release();
    const got = await Promise.all(readers);
    expect(selects).toBe(1);
    expect(got.every((c) => c?.members.length === 3)).toBe(true);
  });
});

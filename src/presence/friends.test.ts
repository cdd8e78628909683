import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/index.js';
import type { Conversation } from '../store/index.js';
import { FriendsCache, type ConversationSource } from './friends.js';

const conv = (id: string, members: string[]): Conversation => ({ conversationId: id, kind: members.length === 2 ? 'direct' : 'group', name: null, members, createdAt: 0, version: '0' });

function source(byUser: Record<string, string[]>, convs: Conversation[]) {
  const calls = { of: 0, get: 0 };
  const map = new Map(convs.map((c) => [c.conversationId, c]));
  const s: ConversationSource = {
    conversationsOf: async (u) => (calls.of++, byUser[u] ?? []),
    get: async (id) => (calls.get++, map.get(id) ?? null),
  };
  return { s, calls };
}

describe('friends = the other member of each direct conversation', () => {
  it('ignores groups and caches lists for the TTL, conversations for good', async () => {
    const { s, calls } = source({ a: ['d_ab', 'd_ac', 'g_x'] }, [conv('d_ab', ['a', 'b']), conv('d_ac', ['c', 'a']), conv('g_x', ['a', 'b', 'c'])]);
    const clock = new ManualClock();
    const f = new FriendsCache(s, 5000, clock);
    expect((await f.friendsOf('a')).sort()).toEqual(['b', 'c']);
    expect(calls).toEqual({ of: 1, get: 2 }); // the group is never loaded
    await f.friendsOf('a');
    expect(calls.of).toBe(1);
    clock.advance(5000);
    await f.friendsOf('a');
    expect(calls).toEqual({ of: 2, get: 2 });
  });

  it('shares one load between concurrent lookups', async () => {
    const { s, calls } = source({ a: ['d_ab'] }, [conv('d_ab', ['a', 'b'])]);
    const f = new FriendsCache(s, 5000, new ManualClock());
    const [x, y] = await Promise.all([f.friendsOf('a'), f.friendsOf('a')]);
    expect(x).toEqual(['b']);
    expect(y).toEqual(['b']);
    expect(calls.of).toBe(1);
  });
});

describe('friend lists are bounded by friend ids held', () => {
  it('a user with many friends evicts other lists instead of growing past the bound', async () => {
    const many = Array.from({ length: 8 }, (_, i) => `d_a${i}`);
    const { s } = source({ a: many, b: ['d_b'] }, [...many.map((id, i) => conv(id, ['a', `f${i}`])), conv('d_b', ['b', 'x'])]);
    const f = new FriendsCache(s, 60_000, new ManualClock(), 8);
    await f.friendsOf('b');
    expect(await f.friendsOf('a')).toHaveLength(8);
    const lists = (f as unknown as { lists: Map<string, { friends: string[] }> }).lists;
    expect([...lists.values()].reduce((n, l) => n + l.friends.length, 0)).toBeLessThanOrEqual(8);
  });
});

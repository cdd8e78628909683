import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/index.js';
import { effectiveMs, leakChances, nextChange, routedBy } from './plan.js';

const everyone = Array.from({ length: 20 }, (_, i) => `u${i}`);

describe('membership churn plan', () => {
  it('walks a group between its bounds, across the threshold both ways, with members as callers', () => {
    const rng = createRng(3);
    let members = everyone.slice(0, 7);
    const routes = new Set<string>();
    let crossings = 0;
    for (let i = 0; i < 400; i++) {
      const next = nextChange(members, everyone, { min: 3, max: 11 }, () => rng.next());
      expect(members).toContain(next.by);
      if (next.change === 'joined') expect(members).not.toContain(next.userId);
      else expect(members).toContain(next.userId);
      const after = next.change === 'joined' ? [...members, next.userId] : members.filter((m) => m !== next.userId);
      if (routedBy(members.length, 8) !== routedBy(after.length, 8)) crossings++;
      members = after;
      expect(members.length).toBeGreaterThanOrEqual(3);
      expect(members.length).toBeLessThanOrEqual(11);
      routes.add(routedBy(members.length, 8));
    }
    expect(routes).toEqual(new Set(['inbox', 'group']));
    expect(crossings).toBeGreaterThan(10);
  });

  it('times a change to the last member frame, and leaves out a change someone never heard of', () => {
    const frames = [
      { r: 'a', c: 'c1', u: 'x', ch: 'joined' as const, id: '10', t: 1050 },
      { r: 'b', c: 'c1', u: 'x', ch: 'joined' as const, id: '10', t: 1120 },
      { r: 'b', c: 'c1', u: 'x', ch: 'joined' as const, id: '10', t: 1900 }, // a second socket of b: the first copy counts
      { r: 'a', c: 'c1', u: 'y', ch: 'left' as const, id: '11', t: 2050 },
    ];
    const requests = [
      { messageId: '10', requestedAt: 1000, audience: ['a', 'b'] },
      { messageId: '11', requestedAt: 2000, audience: ['a', 'b'] },
    ];
    expect(effectiveMs(requests, frames)).toEqual([120]);
  });

  it('counts the pairs where a past or future member was outside the group at a message', () => {
    const membership = { c1: { founders: ['a', 'b'], changes: [{ userId: 'c', change: 'joined' as const, messageId: '20' }, { userId: 'b', change: 'left' as const, messageId: '30' }] } };
    const acked = [
      { conversationId: 'c1', messageId: '10', senderId: 'a' }, // c not yet in
      { conversationId: 'c1', messageId: '25', senderId: 'a' }, // everyone in
      { conversationId: 'c1', messageId: '35', senderId: 'c' }, // b gone
      { conversationId: 'c2', messageId: '35', senderId: 'c' }, // no membership history
    ];
    expect(leakChances(membership, acked)).toBe(2);
  });
});

import { describe, expect, it } from 'vitest';
import { UserRateLimiter } from './user-limits.js';

describe('UserRateLimiter', () => {
  it('lets a user burst, then refuses until tokens refill; other users are not affected', () => {
    let now = 0;
    const l = new UserRateLimiter(2, 3, 100, () => now);
    expect([l.take('a'), l.take('a'), l.take('a'), l.take('a')]).toEqual([true, true, true, false]);
    expect(l.take('b')).toBe(true);
    now = 500; // one token back at 2/s
    expect([l.take('a'), l.take('a')]).toEqual([true, false]);
  });

  it('keeps at most maxUsers buckets, dropping the least recently seen', () => {
    const l = new UserRateLimiter(1, 1, 2, () => 0);
    l.take('a');
    l.take('b');
    l.take('a');
    l.take('c'); // evicts b, not a
    expect(l.size).toBe(2);
    expect(l.take('a')).toBe(false);
    expect(l.take('b')).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { parseGroupSpec, ringPairs, userIds } from './seed.js';

describe('seed options', () => {
  it('parses group specs', () => {
    expect(parseGroupSpec('3x50,1x500')).toEqual([{ count: 3, size: 50 }, { count: 1, size: 500 }]);
    expect(parseGroupSpec('10')).toEqual([{ count: 1, size: 10 }]);
    expect(parseGroupSpec(undefined)).toEqual([]);
  });
  it('rejects bad specs with a clear message', () => {
    expect(() => parseGroupSpec('3*50')).toThrow(/"3\*50" is not SIZE or COUNTxSIZE/);
    expect(() => parseGroupSpec('2')).toThrow(/size ≥ 3/);
  });
  it('names users with a fixed width so they sort', () => {
    expect(userIds('u', 12)).toEqual(expect.arrayContaining(['u-01', 'u-12']));
  });
  it('friends form a ring lattice without repeating a pair, even on a tiny ring', () => {
    const users = userIds('u', 6);
    const pairs = ringPairs(users, 4);
    expect(pairs).toHaveLength(12);
    expect(new Set(pairs.map((p) => [...p].sort().join())).size).toBe(12);
    expect(ringPairs(['a', 'b'], 10)).toEqual([['a', 'b']]);
    expect(ringPairs(users, 0)).toEqual([]);
  });
});

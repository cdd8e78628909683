import { describe, expect, it } from 'vitest';
import { parseGroupSpec, userIds } from './seed.js';

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
});

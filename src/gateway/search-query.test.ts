import { describe, expect, it } from 'vitest';
import { ChatlabError } from '../core/index.js';
import { decodeCursor, encodeCursor, parseSearchQuery } from './search-query.js';

const parse = (qs: string) => parseSearchQuery(new URLSearchParams(qs));
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as ChatlabError).code;
  }
  return 'none';
};

describe('search query', () => {
  it('fills the default limit and trims q', () => {
    expect(parse('q=%20hello%20')).toEqual({ q: 'hello', limit: 20 });
    expect(parse('q=数据库&conversationId=c1&limit=100')).toEqual({ q: '数据库', conversationId: 'c1', limit: 100 });
  });
  it('refuses bad input with CHATLAB_E_BAD_REQUEST', () => {
    for (const qs of ['', 'q=', 'q=%20', 'q=a&limit=0', 'q=a&limit=101', 'q=a&limit=x', 'q=a&conversationId=a%20b', `q=${'x'.repeat(257)}`, 'q=a&q=b', 'q=a&cursor=zzz']) {
      expect(code(() => parse(qs)), qs).toBe('CHATLAB_E_BAD_REQUEST');
    }
  });
  it('round-trips a cursor and keeps 64-bit ids exact', () => {
    const key = '0123456789012345678';
    expect(decodeCursor(encodeCursor(key))).toBe(key);
    expect(parse(`q=a&cursor=${encodeCursor('9223372036854775807')}`).after).toBe('9223372036854775807');
  });
});

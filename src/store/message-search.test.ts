import { describe, expect, it } from 'vitest';
import { membersOnlyFilter, searchMessages } from './message-search.js';

describe('searchMessages', () => {
  it('a caller in no conversation gets no hits without asking the engine', async () => {
    expect(await searchMessages('http://127.0.0.1:1', { q: 'x', conversationIds: [], limit: 5 })).toEqual({ hits: [] });
  });
  it('an unreachable engine is an error (the gateway answers 503 CHATLAB_E_UNAVAILABLE)', async () => {
    await expect(searchMessages('http://127.0.0.1:1', { q: 'x', conversationIds: ['c'], limit: 5 })).rejects.toThrow(/^POST http:\/\/127.0.0.1:1\/messages\/_search/);
  });
});

describe('membersOnlyFilter', () => {
  const key = (id: string) => id.padStart(19, '0');
  it('matches founders whole and cuts the others to their spans', () => {
    const spans = new Map([
      ['whole', [{ join: '0', leave: null }]],
      ['later', [{ join: '500', leave: null }]],
      ['away', [{ join: '0', leave: '100' }, { join: '300', leave: null }]],
    ]);
    expect(membersOnlyFilter(['whole', 'unknown', 'later', 'away'], spans)).toEqual({
      bool: {
        minimum_should_match: 1,
        should: [
          { terms: { conversationId: ['whole', 'unknown'] } },
          { bool: { filter: [{ term: { conversationId: 'later' } }], should: [{ range: { sortKey: { gt: key('500') } } }], minimum_should_match: 1 } },
          {
            bool: {
              filter: [{ term: { conversationId: 'away' } }],
              should: [{ range: { sortKey: { gt: key('0'), lt: key('100') } } }, { range: { sortKey: { gt: key('300') } } }],
              minimum_should_match: 1,
            },
          },
        ],
      },
    });
  });
  it('no span at all matches nothing', () => {
    expect(membersOnlyFilter(['c'], new Map([['c', []]]))).toEqual({ bool: { must_not: [{ match_all: {} }] } });
  });
});

import { describe, expect, it } from 'vitest';
import { searchMessages } from './message-search.js';

describe('searchMessages', () => {
  it('a caller in no conversation gets no hits without asking the engine', async () => {
    expect(await searchMessages('http://127.0.0.1:1', { q: 'x', conversationIds: [], limit: 5 })).toEqual({ hits: [] });
  });
  it('an unreachable engine is an error (the gateway answers 503 CHATLAB_E_UNAVAILABLE)', async () => {
    await expect(searchMessages('http://127.0.0.1:1', { q: 'x', conversationIds: ['c'], limit: 5 })).rejects.toThrow(/^POST http:\/\/127.0.0.1:1\/messages\/_search/);
  });
});

import { describe, expect, it } from 'vitest';
import { bulkBody, sortKeyOf } from './search-index.js';

describe('messages index', () => {
  it('sort keys order like the 64-bit ids', () => {
    const ids = ['9', '10', '123456789012345678', '9223372036854775807'];
    expect([...ids].map(sortKeyOf).sort()).toEqual(ids.map(sortKeyOf));
  });
  it('writes each message under its id, so a redelivery overwrites', () => {
    const m = { conversationId: 'c', messageId: '42', senderId: 'u', clientMsgId: 'k', body: 'hi 你好', sentAt: 1 };
    const lines = bulkBody([m]).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toEqual({ index: { _index: 'messages', _id: '42' } });
    expect(lines[1]).toEqual({ ...m, sortKey: '0000000000000000042' });
  });
});

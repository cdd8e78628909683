import { describe, expect, it } from 'vitest';
import { parseMessageRecord as parseRecord } from '../../store/index.js';
import { persistBackoffMs } from './worker.js';

const good = { conversationId: 'c1', messageId: '123', senderId: 'u1', clientMsgId: 'm1', body: 'hi', sentAt: 5 };

describe('persist worker pure parts', () => {
  it('backoff doubles from 200 ms and caps at 5 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 50].map(persistBackoffMs)).toEqual([200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
  });

  it('parses a record into a Message, dropping unknown fields', () => {
    const r = parseRecord(Buffer.from(JSON.stringify({ ...good, extra: 1 })));
    expect(r).toEqual({ ok: true, message: good });
  });

  it('rejects malformed records with a reason, never throwing', () => {
    expect(parseRecord(null)).toEqual({ ok: false, reason: 'empty value' });
    expect(parseRecord(Buffer.from('{nope'))).toEqual({ ok: false, reason: 'value is not valid JSON' });
    const badId = parseRecord(Buffer.from(JSON.stringify({ ...good, messageId: '0123' })));
    expect(badId.ok).toBe(false);
    expect(!badId.ok && badId.reason).toMatch(/^messageId: /);
    expect(parseRecord(Buffer.from('[]')).ok).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { messageRecord, parseMessageRecord } from './message-wire.js';

describe('the Kafka message record', () => {
  it('is keyed by conversation and reads back as the message that was sent', () => {
    const message = { conversationId: 'c1', messageId: '385723443784355840', senderId: 'a', clientMsgId: 'm1', body: 'héllo', sentAt: 5 };
    const record = messageRecord(message.conversationId, JSON.stringify(message));
    expect(record.key).toBe('c1');
    expect(parseMessageRecord(Buffer.from(record.value))).toEqual({ ok: true, message });
  });
});

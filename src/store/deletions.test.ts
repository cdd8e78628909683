import { describe, expect, it } from 'vitest';
import { parseClientFrame, parseMessageIdParam, parseServerFrame, snowflakeFromTime, ChatlabError, ErrorCodes } from '../core/index.js';
import { deletedFrameJson } from './deletions.js';
import { encodeServiceFrame, decodeRoutedBuffer, idOfFrame, messageFrameJson } from './fanout.js';
import { deletedKeyOf, redisKeys } from './keys.js';
import { deletionRecord, messageRecord, parseMessageRecord } from './message-wire.js';
import { deleteTimestampUs, insertTimestampUs } from './messages.js';
import { deletedIds, deletedMember } from './recent.js';
import { bulkDeleteBody, failedBulkItem } from './search-index.js';

const t = Date.UTC(2026, 11, 5, 3, 0, 0);

describe('message delete: pure parts', () => {
  it('the Cassandra tombstone is stamped after every insert of the row, whatever the order they arrive in', () => {
    const id = snowflakeFromTime(t);
    expect(insertTimestampUs(id)).toBe(t * 1000);
    // a clock behind the id's (a gateway stepped back): still after the insert
    expect(deleteTimestampUs(id, t - 5000)).toBeGreaterThan(insertTimestampUs(id));
    // later than the insert by the delete's own clock otherwise (rows stamped with a worker's clock are covered)
    expect(deleteTimestampUs(id, t + 60_000)).toBe((t + 60_000) * 1000);
    // every insert of the same message carries the same stamp (a redelivery is an exact overwrite)
    expect(insertTimestampUs(id)).toBe(insertTimestampUs(id));
  });

  it('a delete record shares the message key (same partition, after it) and reads back as a deletion', () => {
    const m = { conversationId: 'c1', messageId: '385723443784355840', senderId: 'a', clientMsgId: 'm1', body: 'hi', sentAt: 5 };
    const d = deletionRecord({ conversationId: 'c1', messageId: m.messageId });
    expect(d.key).toBe(messageRecord('c1', JSON.stringify(m)).key);
    expect(parseMessageRecord(Buffer.from(d.value))).toEqual({ ok: true, deletion: { conversationId: 'c1', messageId: m.messageId } });
    // a message is still a message; a malformed delete is rejected with a reason, never thrown
    expect(parseMessageRecord(Buffer.from(JSON.stringify(m)))).toEqual({ ok: true, message: m });
    const bad = parseMessageRecord(Buffer.from(JSON.stringify({ op: 'delete', conversationId: 'c1', messageId: '01' })));
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.reason).toMatch(/^messageId: /);
  });

  it('the deleted set orders ids lexically like numbers and reads back as the ids', () => {
    const ids = ['9', '10', '385723443784355840', '9223372036854775807'];
    expect(ids.map(deletedMember).sort()).toEqual(ids.map(deletedMember));
    expect([...deletedIds(ids.map(deletedMember))]).toEqual(ids);
    expect(deletedIds(null).size).toBe(0);
    // the set's key sits beside the stream's, whatever the prefix
    const keys = redisKeys('t1:');
    expect(keys.deleted('c9')).toBe('t1:deleted:c9');
    expect(deletedKeyOf(keys.recent('c9'))).toBe(keys.deleted('c9'));
  });

  it('the deleted frame is a server frame of the contract, never mistaken for a frame pushed from the stream', () => {
    const json = deletedFrameJson('c1', '385723443784355840', 'alice');
    expect(parseServerFrame(json)).toEqual({ ok: true, frame: { type: 'deleted', conversationId: 'c1', messageId: '385723443784355840', userId: 'alice' } });
    // a client cannot send one
    expect(parseClientFrame(json)).toMatchObject({ ok: false, code: 'unknown_type' });
    const routed = decodeRoutedBuffer(Buffer.from(encodeServiceFrame('delete', json)));
    expect(routed?.kind).toBe('frame');
    expect(routed?.kind === 'frame' && idOfFrame(routed.frame)).toBeUndefined();
    // a message frame still has its id
    expect(idOfFrame(Buffer.from(messageFrameJson(JSON.stringify({ conversationId: 'c1', messageId: '42' }))))).toBe('42');
  });

  it('a message id in the path must be a canonical, non-zero id (400 otherwise)', () => {
    expect(parseMessageIdParam('385723443784355840')).toBe('385723443784355840');
    for (const bad of ['0', 'abc', '0123', '-1', '99999999999999999999', '']) {
      expect(() => parseMessageIdParam(bad)).toThrow(ChatlabError);
      try {
        parseMessageIdParam(bad);
      } catch (err) {
        expect((err as ChatlabError).code).toBe(ErrorCodes.BAD_REQUEST);
      }
    }
  });

  it('the search index is told to delete by id; a delete that finds nothing is no failure, anything else is', () => {
    expect(bulkDeleteBody(['42']).trimEnd().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([{ delete: { _index: 'messages', _id: '42' } }]);
    expect(failedBulkItem([{ delete: { status: 404 } }, { delete: { status: 200 } }, { index: { status: 201 } }])).toBeUndefined();
    expect(failedBulkItem([{ index: { status: 404, error: 'no index' } }])).toBe('no index');
    expect(failedBulkItem([{ delete: { status: 429, error: 'busy' } }])).toBe('busy');
  });
});

import { describe, expect, it } from 'vitest';
import type { Message } from '../core/index.js';
import { historyHasHole, mergeHistory, pageFromStream, readHistory } from './history.js';
import type { MessageStore } from './messages.js';

const msg = (id: string, body = `b${id}`): Message => ({
  conversationId: 'c1',
  messageId: id,
  senderId: 'u1',
  clientMsgId: `m${id}`,
  body,
  sentAt: 1,
});
const ids = (ms: readonly Message[]) => ms.map((m) => m.messageId);

describe('mergeHistory', () => {
  it('unites both sources in id order, once per id', () => {
    const r = mergeHistory([msg('1'), msg('3'), msg('5')], [msg('4'), msg('5'), msg('6')], 10, false);
    expect(ids(r.messages)).toEqual(['1', '3', '4', '5', '6']);
    expect(r.hasMore).toBe(false);
  });

  it('orders ids numerically, not as text (9 < 10 < 100)', () => {
    const r = mergeHistory([msg('100'), msg('9')], [msg('10')], 10, false);
    expect(ids(r.messages)).toEqual(['9', '10', '100']);
  });

  it('takes the first `limit` and says there is more when the union overflows', () => {
    const r = mergeHistory([msg('1'), msg('2')], [msg('3'), msg('4')], 3, false);
    expect(ids(r.messages)).toEqual(['1', '2', '3']);
    expect(r.hasMore).toBe(true);
  });

  it('says there is more when the first source had more, even if the page is not full of duplicates', () => {
    const r = mergeHistory([msg('1'), msg('2')], [msg('2')], 2, true);
    expect(ids(r.messages)).toEqual(['1', '2']);
    expect(r.hasMore).toBe(true);
  });

  it('exactly `limit` distinct messages across both sources is a full page with nothing more', () => {
    const r = mergeHistory([msg('1'), msg('2')], [msg('2'), msg('3')], 3, false);
    expect(ids(r.messages)).toEqual(['1', '2', '3']);
    expect(r.hasMore).toBe(false);
  });

  it('prefers the first (durable) source on a duplicate id', () => {
    const r = mergeHistory([msg('7', 'stored')], [msg('7', 'recent')], 5, false);
    expect(r.messages).toEqual([msg('7', 'stored')]);
  });

  it('handles empty sources', () => {
    expect(mergeHistory([], [], 5, false)).toEqual({ messages: [], hasMore: false });
    expect(ids(mergeHistory([], [msg('2')], 5, false).messages)).toEqual(['2']);
  });
});

describe('historyHasHole', () => {
  const page = (messageIds: string[], hasMore = false) => ({ messages: messageIds.map((id) => msg(id)), hasMore });
  const first = (id: string, prev: string | null) => ({ id, prev });

  it('no hole when the stream reaches back to `after` (or is empty)', () => {
    expect(historyHasHole('10', page([]), null)).toBe(false);
    expect(historyHasHole('50', page([]), first('50', '40'))).toBe(false);
    expect(historyHasHole('45', page([]), first('50', '40'))).toBe(false);
    expect(historyHasHole('40', page([]), first('50', '40'))).toBe(false);
  });

  it('a hole: the cap trimmed messages above `after` and Cassandra ends below them', () => {
    expect(historyHasHole('10', page([]), first('50', '40'))).toBe(true);
    expect(historyHasHole('10', page(['20', '30']), first('50', '40'))).toBe(true);
    expect(historyHasHole('10', page(['20', '40']), first('50', '40'))).toBe(false);
  });

  it('a stream that began anew (Redis lost it): Cassandra must reach its first entry', () => {
    expect(historyHasHole('10', page(['20']), first('50', null))).toBe(true);
    expect(historyHasHole('10', page(['20', '50']), first('50', null))).toBe(false);
  });

  it('no stream at all: a hole only while Redis was just lost (its streams with it)', () => {
    expect(historyHasHole('10', page([]), null, false)).toBe(false);
    expect(historyHasHole('10', page([]), null, true)).toBe(true);
  });

  it('a full Cassandra page has no hole (the next page asks again)', () => {
    expect(historyHasHole('10', page(['20', '30'], true), first('50', '40'))).toBe(false);
  });
});

describe('pageFromStream (a sync the stream can answer alone reads no Cassandra)', () => {
  const ms = (...ids: number[]) => ids.map((i) => msg(String(i)));
  it('the stream reaches back to `after`: served from it, with hasMore from its overflow', () => {
    expect(pageFromStream('5', { messages: ms(6, 7), first: { id: '3', prev: '2' } }, 10)).toEqual({ messages: ms(6, 7), hasMore: false });
    expect(pageFromStream('5', { messages: ms(6, 7, 8), first: { id: '6', prev: '5' }, full: true }, 2)).toEqual({ messages: ms(6, 7), hasMore: true });
    expect(pageFromStream('0', { messages: ms(1), first: { id: '1', prev: '0' } }, 10)).toEqual({ messages: ms(1), hasMore: false });
  });
  it('Cassandra is read when the stream may not hold everything after `after`', () => {
    expect(pageFromStream('5', { messages: ms(9), first: { id: '9', prev: '8' } }, 10)).toBeNull(); // trimmed above 5
    expect(pageFromStream('5', { messages: ms(9), first: { id: '9', prev: null } }, 10)).toBeNull(); // began anew
    expect(pageFromStream('5', { messages: [], first: null }, 10)).toBeNull(); // no stream
    expect(pageFromStream('5', { messages: ms(6), first: { id: '3', prev: '2' }, full: true }, 2)).toBeNull(); // member changes filled the read
  });
});

/** A Redis with no `recent:` stream (both XRANGEs and the deleted set empty) and the meta's `fresh` field as given. */
function noStream(fresh: string | null): never {
  const pipeline = { xrange: () => pipeline, zrangebylex: () => pipeline, hget: () => pipeline, exec: async () => [[null, []], [null, []], [null, []], [null, fresh]] };
  return { pipeline: () => pipeline } as never;
}

describe('readHistory just after a Redis loss', () => {
  it('answers retry for a conversation without a stream without reading Cassandra (a reconnect storm would only read it to refuse)', async () => {
    let reads = 0;
    const store = { after: async () => (reads++, { messages: [msg('1')], hasMore: false }) } as unknown as MessageStore;
    // no stream: both XRANGEs answer nothing
    const redis = noStream(null);
    const p = { store, redis, recentKey: 'recent:c1', conversationId: 'c1', after: '0', limit: 10 };
    await expect(readHistory({ ...p, streamMayBeLost: true })).rejects.toMatchObject({ code: 'CHATLAB_E_UNAVAILABLE' });
    expect(reads).toBe(0);
    expect(await readHistory(p)).toEqual({ messages: [msg('1')], hasMore: false });
    expect(reads).toBe(1);
  });
});

describe('readHistory of a conversation nothing was ever published to', () => {
  it('answers an empty page without reading Cassandra while the meta is still fresh, and reads it otherwise', async () => {
    let reads = 0;
    const store = { after: async () => (reads++, { messages: [], hasMore: false }) } as unknown as MessageStore;
    const p = { store, recentKey: 'recent:c1', conversationId: 'c1', after: '0', limit: 10 };
    expect(await readHistory({ ...p, redis: noStream('1') })).toEqual({ messages: [], hasMore: false });
    expect(reads).toBe(0);
    // reloaded from Cassandra (after a Redis loss, say): not fresh, so Cassandra decides
    await readHistory({ ...p, redis: noStream(null) });
    expect(reads).toBe(1);
  });
});

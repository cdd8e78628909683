import { describe, expect, it } from 'vitest';
import { ConversationMerger } from './merge.js';

interface Msg {
  messageId: string;
  via: 'live' | 'sync';
}
const live = (id: number | string): Msg => ({ messageId: String(id), via: 'live' });
const synced = (...ids: number[]): Msg[] => ids.map((id) => ({ messageId: String(id), via: 'sync' }));
const ids = (ms: Msg[]) => ms.map((m) => m.messageId);

describe('ConversationMerger', () => {
  it('passes live messages straight through when no sync runs', () => {
    const m = new ConversationMerger<Msg>();
    expect(ids(m.onLive(live(1)))).toEqual(['1']);
    expect(ids(m.onLive(live(2)))).toEqual(['2']);
    expect(m.lastId).toBe('2');
    expect(m.stats).toEqual({ delivered: 2, duplicatesDropped: 0, reordered: 0, reassigned: 0 });
  });

  it('buffers live messages during a sync and merges them with an overlapping result in id order', () => {
    const m = new ConversationMerger<Msg>({ lastId: '5' });
    expect(m.beginSync()).toBe('5');
    expect(m.onLive(live(9))).toEqual([]);
    expect(m.onLive(live(8))).toEqual([]);
    expect(m.buffered).toBe(2);
    const out = m.applySyncResult(synced(6, 7, 8), false);
    expect(ids(out)).toEqual(['6', '7', '8', '9']);
    // 8 came both ways; the app sees it once.
    expect(m.stats).toEqual({ delivered: 4, duplicatesDropped: 1, reordered: 0, reassigned: 0 });
    expect(m.syncing).toBe(false);
    expect(m.lastId).toBe('9');
    // Back to pass-through after the sync.
    expect(ids(m.onLive(live(10)))).toEqual(['10']);
  });

  it('with hasMore releases only buffered messages inside the page and keeps the rest', () => {
    const m = new ConversationMerger<Msg>({ lastId: '5' });
    m.beginSync();
    m.onLive(live(12));
    m.onLive(live(7));
    const page1 = m.applySyncResult(synced(6, 7, 8), true);
    expect(ids(page1)).toEqual(['6', '7', '8']);
    expect(m.syncing).toBe(true);
    expect(m.lastId).toBe('8'); // the next sync asks after 8
    expect(m.buffered).toBe(1);
    expect(m.onLive(live(13))).toEqual([]); // still syncing: still buffered
    const page2 = m.applySyncResult(synced(9, 10), false);
    expect(ids(page2)).toEqual(['9', '10', '12', '13']);
    expect(m.stats).toEqual({ delivered: 7, duplicatesDropped: 1, reordered: 0, reassigned: 0 });
  });

  it('a page the server shortened (skipPushed) releases buffered messages up to the top it covered', () => {
    const m = new ConversationMerger<Msg>({ lastId: '5' });
    m.beginSync();
    m.onLive(live(7));
    m.onLive(live(8));
    m.onLive(live(12));
    // the page covered 6..8 but left out 7 and 8, pushed live on this socket: nextAfter = 8
    expect(ids(m.applySyncResult(synced(6), true, '8'))).toEqual(['6', '7', '8']);
    expect(m.buffered).toBe(1);
    // a page the server emptied entirely still moves on
    expect(ids(m.applySyncResult([], true, '10'))).toEqual([]);
    expect(ids(m.applySyncResult(synced(11), false))).toEqual(['11', '12']);
    expect(m.stats).toEqual({ delivered: 5, duplicatesDropped: 0, reordered: 0, reassigned: 0 });
  });

  it('drops a duplicate live message and counts it', () => {
    const m = new ConversationMerger<Msg>();
    m.onLive(live(1));
    expect(m.onLive(live(1))).toEqual([]);
    m.beginSync();
    m.onLive(live(2));
    m.onLive(live(2));
    expect(ids(m.applySyncResult([], false))).toEqual(['2']);
    expect(m.stats.duplicatesDropped).toBe(2);
    expect(m.stats.delivered).toBe(2);
  });

  it('delivers a late lower id but records it as reordered, without moving lastId back', () => {
    const m = new ConversationMerger<Msg>();
    m.onLive(live(1));
    m.onLive(live(3));
    expect(ids(m.onLive(live(2)))).toEqual(['2']);
    expect(m.stats.reordered).toBe(1);
    expect(m.lastId).toBe('3');
    // A second copy of the late one is a duplicate, not a second reorder.
    expect(m.onLive(live(2))).toEqual([]);
    expect(m.stats).toEqual({ delivered: 3, duplicatesDropped: 1, reordered: 1, reassigned: 0 });
  });

  it('a sync result that repeats already delivered messages delivers only the new ones', () => {
    const m = new ConversationMerger<Msg>();
    m.onLive(live(4));
    m.onLive(live(5));
    m.beginSync();
    expect(ids(m.applySyncResult(synced(4, 5, 6), false))).toEqual(['6']);
    expect(m.stats.duplicatesDropped).toBe(2);
  });

  it('orders ids numerically, not as text (a shorter id is a smaller one)', () => {
    const m = new ConversationMerger<Msg>({ lastId: '990' });
    m.beginSync();
    m.onLive(live('1000'));
    expect(ids(m.applySyncResult(synced(999), false))).toEqual(['999', '1000']);
    expect(m.stats.reordered).toBe(0);
  });

  it('treats ids at or below a starting lastId as already delivered', () => {
    const m = new ConversationMerger<Msg>({ lastId: '10' });
    expect(m.onLive(live(9))).toEqual([]);
    expect(m.onLive(live(10))).toEqual([]);
    expect(m.stats).toEqual({ delivered: 0, duplicatesDropped: 2, reordered: 0, reassigned: 0 });
  });

  it('a second beginSync mid-sync (reconnect during sync) keeps the buffered live messages', () => {
    const m = new ConversationMerger<Msg>();
    m.beginSync();
    m.onLive(live(3));
    expect(m.beginSync()).toBe('0');
    expect(ids(m.applySyncResult(synced(1, 2), false))).toEqual(['1', '2', '3']);
  });

  it('remembers a bounded number of ids, and still drops re-deliveries older than its window', () => {
    const m = new ConversationMerger<Msg>({ rememberIds: 2 });
    for (const id of [1, 2, 3, 4]) m.onLive(live(id));
    expect(m.onLive(live(1))).toEqual([]); // forgotten individually, covered by the floor
    expect(m.onLive(live(4))).toEqual([]);
    expect(m.stats.duplicatesDropped).toBe(2);
  });

  it('with an identity, a message stored again under a new id is shown once, and its id still moves the cursor', () => {
    type Sent = Msg & { key: string };
    const m = new ConversationMerger<Sent>({ identity: (x) => x.key });
    expect(m.onLive({ messageId: '5', via: 'live', key: 'a.1' }).map((x) => x.messageId)).toEqual(['5']);
    expect(m.onLive({ messageId: '9', via: 'live', key: 'a.1' })).toEqual([]); // the re-send after Redis lost its dedupe key
    expect(m.onLive({ messageId: '10', via: 'live', key: 'a.2' }).map((x) => x.messageId)).toEqual(['10']);
    expect(m.stats).toMatchObject({ delivered: 2, reassigned: 1, reordered: 0 });
    expect(m.lastId).toBe('10');
    m.beginSync();
    expect(m.applySyncResult([{ messageId: '9', via: 'sync', key: 'a.1' }], false)).toEqual([]);
  });

  it('a deleted message held for a sync is dropped, never shown; one not held is left alone', () => {
    const m = new ConversationMerger<Msg>();
    m.beginSync();
    m.onLive(live(5));
    m.onLive(live(6));
    expect(m.drop('5')).toBe(true);
    expect(m.drop('7')).toBe(false);
    expect(ids(m.applySyncResult(synced(4), false))).toEqual(['4', '6']);
    expect(m.drop('6')).toBe(false);
  });
});

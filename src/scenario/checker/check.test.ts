import { describe, expect, it } from 'vitest';
import { ChatlabError, ErrorCodes, createRng } from '../../core/index.js';
import { checkDeliveries } from './check.js';
import type { DeliveryRecord, History, SendRecord } from './types.js';

const T0 = 1_700_000_000_000;
const MEMBERS = ['alice', 'bob', 'carol'];

/** alice sends n acked messages to c1 at T0 + i*100 with ids 1001, 1002, ... */
function sends(n: number, overrides: Partial<SendRecord> = {}): SendRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    senderId: 'alice',
    conversationId: 'c1',
    clientMsgId: `alice-${i + 1}`,
    messageId: String(1001 + i),
    intendedAt: T0 + i * 100,
    sentAt: T0 + i * 100,
    ackedAt: T0 + i * 100 + 5,
    expectedRecipients: MEMBERS,
    ...overrides,
  }));
}

const deliver = (s: SendRecord, recipientId: string, extra: Partial<DeliveryRecord> = {}): DeliveryRecord => ({
  recipientId,
  conversationId: s.conversationId,
  messageId: s.messageId ?? 'unacked',
  clientMsgId: s.clientMsgId,
  receivedAt: s.sentAt + 20,
  ...extra,
});

/** Every send delivered once, in order, to every member but the sender. */
function cleanHistory(n = 3): History {
  const ss = sends(n);
  return {
    sends: ss,
    deliveries: ss.flatMap((s) => ['bob', 'carol'].map((r) => deliver(s, r))),
    stored: ss.map((s) => ({ messageId: s.messageId! })),
  };
}

describe('checkDeliveries', () => {
  it('gives zeros for a clean history', () => {
    const r = checkDeliveries(cleanHistory());
    expect(r).toMatchObject({
      sent: 3,
      acked: 3,
      expectedDeliveries: 6,
      delivered: 6,
      lost: 0,
      duplicates: 0,
      duplicatesRaw: 0,
      reassigned: 0,
      reordered: 0,
      late: 0,
      deliveredUnacked: 0,
      unexpected: 0,
      hot: { ackedNotStored: 0, storedNotPushed: 0 },
    });
    expect(Object.values(r.examples).every((e) => e.length === 0)).toBe(true);
  });

  it('catches a lost delivery and names it', () => {
    const h = cleanHistory();
    h.deliveries = h.deliveries.filter((d) => !(d.recipientId === 'bob' && d.messageId === '1002'));
    const r = checkDeliveries(h);
    expect(r.lost).toBe(1);
    expect(r.delivered).toBe(5);
    expect(r.delivered + r.lost).toBe(r.expectedDeliveries);
    expect(r.examples.lost).toEqual([{ recipientId: 'bob', conversationId: 'c1', messageId: '1002', clientMsgId: 'alice-2' }]);
  });

  it('counts every extra copy the application saw, with how many times', () => {
    const h = cleanHistory();
    const [s1] = sends(1);
    h.deliveries = [...h.deliveries, deliver(s1!, 'carol', { receivedAt: T0 + 500 }), deliver(s1!, 'carol', { receivedAt: T0 + 600 })];
    const r = checkDeliveries(h);
    expect(r.duplicates).toBe(2);
    expect(r.delivered).toBe(6);
    expect(r.reordered).toBe(0); // a repeat is a duplicate, not also a reorder
    expect(r.examples.duplicates).toEqual([
      { recipientId: 'carol', conversationId: 'c1', messageId: '1001', clientMsgId: 'alice-1', count: 3 },
    ]);
  });

  it('counts raw duplicates the client repaired separately from what the app saw', () => {
    const h = cleanHistory();
    const [s1] = sends(1);
    h.deliveries = [...h.deliveries, deliver(s1!, 'bob', { raw: true }), deliver(s1!, 'bob', { raw: true })];
    const r = checkDeliveries(h);
    expect(r.duplicatesRaw).toBe(1);
    expect(r.duplicates).toBe(0);
    expect(r.delivered).toBe(6); // raw records never count as delivered
  });

  it('counts a logical message that reached sockets under two ids as reassigned, once', () => {
    const h = cleanHistory();
    const [s1] = sends(1);
    h.deliveries = [
      ...h.deliveries,
      deliver(s1!, 'bob', { raw: true }),
      deliver(s1!, 'bob', { raw: true, messageId: '2001' }), // stored again after Redis lost the dedupe key
      deliver(s1!, 'carol', { raw: true, messageId: '2001' }),
    ];
    const r = checkDeliveries(h);
    expect(r.reassigned).toBe(1);
    expect(checkDeliveries(cleanHistory()).reassigned).toBe(0);
  });

  it('raw records alone do not count as delivered: the app never saw the message', () => {
    const ss = sends(1);
    const r = checkDeliveries({ sends: ss, deliveries: [deliver(ss[0]!, 'bob', { raw: true }), deliver(ss[0]!, 'carol')] });
    expect(r.lost).toBe(1);
    expect(r.examples.lost[0]?.recipientId).toBe('bob');
  });

  it('catches a lower id delivered after a higher one, per recipient and conversation', () => {
    const ss = sends(3);
    const other: SendRecord = { ...ss[0]!, conversationId: 'c2', clientMsgId: 'alice-c2', messageId: '5' };
    const deliveries = [
      deliver(ss[0]!, 'bob', { receivedAt: T0 + 10 }),
      deliver(ss[2]!, 'bob', { receivedAt: T0 + 20 }),
      deliver(ss[1]!, 'bob', { receivedAt: T0 + 30 }), // late lower id
      // Another conversation's lower id is not a reorder of c1.
      deliver(other, 'bob', { receivedAt: T0 + 40 }),
      // carol receives in order.
      ...ss.map((s, i) => deliver(s, 'carol', { receivedAt: T0 + 10 * i })),
      deliver(other, 'carol', { receivedAt: T0 + 50 }),
    ];
    const r = checkDeliveries({ sends: [...ss, other], deliveries });
    expect(r.reordered).toBe(1);
    expect(r.examples.reordered).toEqual([{ recipientId: 'bob', conversationId: 'c1', messageId: '1002', clientMsgId: 'alice-2' }]);
    expect(r.lost).toBe(0);
  });

  it('judges order by arrival time, not record order, and compares ids numerically', () => {
    const a: SendRecord = { ...sends(1)[0]!, clientMsgId: 'x', messageId: '999' };
    const b: SendRecord = { ...a, clientMsgId: 'y', messageId: '1000' };
    const deliveries = [
      deliver(b, 'bob', { receivedAt: T0 + 50 }), // recorded first, but arrived second
      deliver(a, 'bob', { receivedAt: T0 + 40 }),
    ];
    expect(checkDeliveries({ sends: [a, b], deliveries }).reordered).toBe(0);
    // Swap arrival times: now 999 arrives after 1000.
    deliveries[0]!.receivedAt = T0 + 30;
    expect(checkDeliveries({ sends: [a, b], deliveries }).reordered).toBe(1);
  });

  it('catches late deliveries after lateAfterMs from sentAt, not at exactly the limit', () => {
    const ss = sends(2);
    const deliveries = [
      deliver(ss[0]!, 'bob', { receivedAt: ss[0]!.sentAt + 1000 }),
      deliver(ss[1]!, 'bob', { receivedAt: ss[1]!.sentAt + 1001 }),
    ];
    const r = checkDeliveries({ sends: ss, deliveries }, { lateAfterMs: 1000 });
    expect(r.late).toBe(1);
    expect(r.examples.late).toEqual([
      { recipientId: 'bob', conversationId: 'c1', messageId: '1002', clientMsgId: 'alice-2', delayMs: 1001 },
    ]);
    expect(checkDeliveries({ sends: ss, deliveries }).late).toBe(0); // default 5000
  });

  it('does not count an unacked send as lost, delivered or not', () => {
    const [unacked] = sends(1, { messageId: undefined, ackedAt: undefined });
    const r = checkDeliveries({ sends: [unacked!], deliveries: [deliver(unacked!, 'bob', { messageId: '4242' })] });
    expect(r).toMatchObject({ sent: 1, acked: 0, expectedDeliveries: 0, delivered: 0, lost: 0, deliveredUnacked: 1, unexpected: 0 });
  });

  it('ignores the sender’s own sockets', () => {
    const h = cleanHistory(1);
    const s = h.sends[0]!;
    h.deliveries = [...h.deliveries, deliver(s, 'alice'), deliver(s, 'alice')];
    const r = checkDeliveries(h);
    expect(r.duplicates + r.unexpected + r.reordered).toBe(0);
    expect(r.expectedDeliveries).toBe(2);
  });

  it('flags deliveries to non-members and of messages nobody sent', () => {
    const h = cleanHistory(1);
    const s = h.sends[0]!;
    h.deliveries = [
      ...h.deliveries,
      deliver(s, 'mallory'),
      { recipientId: 'bob', conversationId: 'c1', messageId: '7777', clientMsgId: 'ghost', receivedAt: T0 + 30 },
    ];
    const r = checkDeliveries(h);
    expect(r.unexpected).toBe(2);
    expect(r.examples.unexpected.map((e) => e.recipientId)).toEqual(['mallory', 'bob']);
    expect(r.delivered).toBe(2);
  });

  it('treats a retried clientMsgId as one message', () => {
    const [first] = sends(1, { messageId: undefined, ackedAt: undefined });
    const retry: SendRecord = { ...first!, sentAt: first!.sentAt + 3000, messageId: '1001', ackedAt: first!.sentAt + 3005 };
    const r = checkDeliveries({ sends: [first!, retry], deliveries: ['bob', 'carol'].map((x) => deliver(retry, x)) });
    expect(r).toMatchObject({ sent: 1, acked: 1, expectedDeliveries: 2, delivered: 2, lost: 0, duplicates: 0 });
  });

  it('refuses a history where two senders share a clientMsgId in one conversation', () => {
    const [a] = sends(1);
    const act = () => checkDeliveries({ sends: [a!, { ...a!, senderId: 'bob' }], deliveries: [] });
    expect(act).toThrowError(ChatlabError);
    expect(act).toThrowError(expect.objectContaining({ code: ErrorCodes.SCENARIO }));
    expect(act).toThrowError(/unique per conversation/);
  });

  it('finds acked messages missing from history, except those acked after it was read', () => {
    const h = cleanHistory(3);
    h.stored = [{ messageId: '1001' }];
    let r = checkDeliveries(h);
    expect(r.hot.ackedNotStored).toBe(2);
    expect(r.examples.ackedNotStored.map((e) => e.messageId)).toEqual(['1002', '1003']);
    // History read between the 2nd and 3rd ack: only 1002 should have been there.
    h.historyVisibleAt = T0 + 150;
    r = checkDeliveries(h);
    expect(r.hot.ackedNotStored).toBe(1);
    expect(r.examples.ackedNotStored[0]).toEqual({ conversationId: 'c1', messageId: '1002', clientMsgId: 'alice-2' });
  });

  it('finds stored messages a recipient never got pushed (only via sync, or not at all)', () => {
    const h = cleanHistory(2);
    const [s1, s2] = h.sends;
    h.deliveries = [
      deliver(s1!, 'bob'),
      deliver(s1!, 'carol', { raw: true }), // pushed to the socket; the app saw it via sync
      deliver(s1!, 'carol', { viaSync: true }),
      deliver(s2!, 'bob', { viaSync: true }), // hot path missed bob, cold path repaired it
    ];
    const r = checkDeliveries(h);
    expect(r.hot.storedNotPushed).toBe(2); // 1002 to bob (sync only) and to carol (never)
    expect(r.examples.storedNotPushed.map((e) => e.recipientId)).toEqual(['bob', 'carol']);
    expect(r.lost).toBe(1);
    // Without `stored` there is nothing to compare with.
    expect(checkDeliveries({ ...h, stored: undefined }).hot).toEqual({ ackedNotStored: 0, storedNotPushed: 0 });
  });

  it('keeps at most maxExamples per kind but counts them all', () => {
    const ss = sends(10);
    const r = checkDeliveries({ sends: ss, deliveries: [] });
    expect(r.lost).toBe(20);
    expect(r.examples.lost).toHaveLength(5);
    expect(checkDeliveries({ sends: ss, deliveries: [] }, { maxExamples: 2 }).examples.lost).toHaveLength(2);
  });

  it('breaks counts down per recipient on request', () => {
    const h = cleanHistory(2);
    h.deliveries = h.deliveries.filter((d) => d.recipientId !== 'carol' || d.messageId !== '1002');
    const r = checkDeliveries(h, { perRecipient: true });
    expect(r.perRecipient).toEqual({
      bob: { expected: 2, delivered: 2, lost: 0, duplicates: 0, reordered: 0, late: 0 },
      carol: { expected: 2, delivered: 1, lost: 1, duplicates: 0, reordered: 0, late: 0 },
    });
    expect(checkDeliveries(h).perRecipient).toBeUndefined();
  });

  it('catches every injected fault in a large seeded history', () => {
    const rng = createRng('checker-faults');
    const users = Array.from({ length: 8 }, (_, i) => `u${i}`);
    const ss: SendRecord[] = [];
    for (let i = 0; i < 400; i++) {
      const sender = rng.pick(users);
      ss.push({
        senderId: sender,
        conversationId: 'g1',
        clientMsgId: `${sender}-${i}`,
        messageId: String(1_000_000 + i),
        // 10 s apart, so a 6 s late delivery does not overtake the next one (that would be a reorder too).
        intendedAt: T0 + i * 10_000,
        sentAt: T0 + i * 10_000,
        ackedAt: T0 + i * 10_000 + 3,
        expectedRecipients: users,
      });
    }
    const injected = { lost: 0, duplicates: 0, late: 0, reordered: 0 };
    const deliveries: DeliveryRecord[] = [];
    const push = (d: DeliveryRecord, sentAt: number) => {
      if (d.receivedAt - sentAt > 5000) injected.late++;
      deliveries.push(d);
    };
    for (const r of users) {
      let heldBack: { s: SendRecord } | undefined;
      for (const s of ss) {
        if (s.senderId === r) continue;
        const roll = rng.next();
        if (roll < 0.03) {
          injected.lost++;
          continue;
        }
        const base = deliver(s, r, { receivedAt: s.sentAt + 15 });
        if (roll < 0.06) base.receivedAt = s.sentAt + 6000;
        if (roll > 0.97 && !heldBack) {
          // Hold this one back: it arrives after the next delivery (a reorder).
          heldBack = { s };
          continue;
        }
        push(base, s.sentAt);
        if (heldBack) {
          // Same timestamp as the one it was overtaken by, recorded after it.
          push(deliver(heldBack.s, r, { receivedAt: base.receivedAt }), heldBack.s.sentAt);
          injected.reordered++;
          heldBack = undefined;
        }
        if (roll > 0.5 && roll < 0.52) {
          deliveries.push({ ...base });
          injected.duplicates++;
        }
      }
      // Nothing overtook it (everything after was lost): late, but in order.
      if (heldBack) push(deliver(heldBack.s, r, { receivedAt: T0 + 10_000_000 }), heldBack.s.sentAt);
    }
    // Each injected fault kind must occur for the test to mean anything.
    expect(Object.values(injected).every((n) => n > 5)).toBe(true);
    const result = checkDeliveries({ sends: ss, deliveries }, { lateAfterMs: 5000 });
    expect(result.lost).toBe(injected.lost);
    expect(result.duplicates).toBe(injected.duplicates);
    expect(result.reordered).toBe(injected.reordered);
    expect(result.late).toBe(injected.late);
    expect(result.delivered + result.lost).toBe(result.expectedDeliveries);
  });

  it('a message deleted before a recipient got it is not lost for them, nor expected in history; one they got still counts', () => {
    const h = cleanHistory(3);
    const [, second] = h.sends as SendRecord[];
    // carol never got the second message: it was deleted first; bob got it before the delete
    const deliveries = h.deliveries.filter((d) => !(d.recipientId === 'carol' && d.messageId === second!.messageId));
    const stored = h.stored!.filter((s) => s.messageId !== second!.messageId);
    const without = checkDeliveries({ ...h, deliveries, stored });
    expect(without.lost).toBe(1);
    expect(without.hot.ackedNotStored).toBe(1);
    const result = checkDeliveries({ ...h, deliveries, stored, deletions: [{ conversationId: 'c1', messageId: second!.messageId! }] });
    expect(result.lost).toBe(0);
    expect(result.deletedUndelivered).toBe(1);
    expect(result.delivered).toBe(5);
    expect(result.expectedDeliveries).toBe(5);
    expect(result.hot.ackedNotStored).toBe(0);
    expect(result.leaks + result.unexpected + result.duplicates).toBe(0);
    // a delete in another conversation with the same id excuses nothing
    expect(checkDeliveries({ ...h, deliveries, stored, deletions: [{ conversationId: 'c2', messageId: second!.messageId! }] }).lost).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import { checkDeliveries } from './check.js';
import type { DeliveryRecord, History, MemberChangeRecord, SendRecord } from './types.js';

const T0 = 1_700_000_000_000;
const FOUNDERS = ['alice', 'bob', 'carol'];

/** alice's acked messages to c1 with these ids (ids and change ids share the conversation's order). */
const sends = (ids: number[]): SendRecord[] =>
  ids.map((id) => ({
    senderId: 'alice',
    conversationId: 'c1',
    clientMsgId: `alice-${id}`,
    messageId: String(id),
    intendedAt: T0 + id,
    sentAt: T0 + id,
    ackedAt: T0 + id + 5,
    expectedRecipients: FOUNDERS,
  }));

const to = (recipientId: string, id: number, extra: Partial<DeliveryRecord> = {}): DeliveryRecord => ({
  recipientId,
  conversationId: 'c1',
  messageId: String(id),
  clientMsgId: `alice-${id}`,
  receivedAt: T0 + id + 20,
  ...extra,
});

const change = (userId: string, c: 'joined' | 'left', id: number): MemberChangeRecord => ({ userId, change: c, messageId: String(id) });

function history(ids: number[], deliveries: DeliveryRecord[], changes: MemberChangeRecord[]): History {
  return { sends: sends(ids), deliveries, membership: { c1: { founders: FOUNDERS, changes } } };
}

describe('checkDeliveries with membership over time', () => {
  it('expects a removed member to get what came before their leave, and nothing after', () => {
    const ids = [1001, 1002, 1004, 1005];
    const clean = [...ids.flatMap((id) => [to('carol', id)]), to('bob', 1001), to('bob', 1002)];
    const ok = checkDeliveries(history(ids, clean, [change('bob', 'left', 1003)]));
    expect(ok).toMatchObject({ expectedDeliveries: 6, delivered: 6, lost: 0, leaks: 0, unexpected: 0 });

    const leaky = checkDeliveries(history(ids, [...clean, to('bob', 1004)], [change('bob', 'left', 1003)]));
    expect(leaky).toMatchObject({ leaks: 1, lost: 0, delivered: 6 });
    expect(leaky.examples.leaks).toEqual([{ recipientId: 'bob', conversationId: 'c1', messageId: '1004', clientMsgId: 'alice-1004', channel: 'live' }]);
  });

  it('expects an added member to get everything from their join on, and counts what came before as a leak', () => {
    const ids = [1001, 1002, 1004, 1005];
    const base = ids.flatMap((id) => [to('bob', id), to('carol', id)]);
    const r = checkDeliveries(history(ids, [...base, to('dave', 1004), to('dave', 1001, { viaSync: true })], [change('dave', 'joined', 1003)]));
    expect(r).toMatchObject({ expectedDeliveries: 10, delivered: 9, lost: 1, leaks: 1 });
    expect(r.examples.lost).toEqual([{ recipientId: 'dave', conversationId: 'c1', messageId: '1005', clientMsgId: 'alice-1005' }]);
    expect(r.examples.leaks[0]).toMatchObject({ recipientId: 'dave', messageId: '1001' });
  });

  it('follows a member who leaves and comes back: only the gap is out of bounds', () => {
    const ids = [1001, 1003, 1005];
    const changes = [change('bob', 'left', 1002), change('bob', 'joined', 1004)];
    const base = ids.map((id) => to('carol', id));
    const right = checkDeliveries(history(ids, [...base, to('bob', 1001), to('bob', 1005)], changes));
    expect(right).toMatchObject({ expectedDeliveries: 5, delivered: 5, lost: 0, leaks: 0 });
    const wrong = checkDeliveries(history(ids, [...base, to('bob', 1001), to('bob', 1003), to('bob', 1005)], changes));
    expect(wrong).toMatchObject({ leaks: 1, lost: 0 });
  });

  it('counts a leak that reached only the socket (the client dropped it), once per channel however often it came', () => {
    const ids = [1001, 1004];
    const base = ids.map((id) => to('carol', id));
    const raw = [to('bob', 1001, { raw: true }), to('bob', 1001), to('bob', 1004, { raw: true }), to('bob', 1004, { raw: true }), to('bob', 1004, { raw: true, viaSync: true })];
    const r = checkDeliveries(history(ids, [...base, ...raw], [change('bob', 'left', 1002)]));
    expect(r).toMatchObject({ leaks: 2, leaksLive: 1, leaksSync: 1, lost: 0, delivered: 3 });
    expect(r.examples.leaks.map((e) => e.channel)).toEqual(['live', 'sync']);
  });

  it('judges the changes in id order whatever order they were recorded in', () => {
    const ids = [1003];
    const changes = [change('bob', 'joined', 1004), change('bob', 'left', 1002)];
    const r = checkDeliveries(history(ids, [to('carol', 1003)], changes));
    expect(r).toMatchObject({ expectedDeliveries: 1, lost: 0, leaks: 0 });
  });

  it("leaves conversations without a membership history to the sends' recipients", () => {
    const h: History = { sends: sends([1001]), deliveries: [to('bob', 1001), to('carol', 1001), to('mallory', 1001)], membership: { other: { founders: ['x'], changes: [] } } };
    const r = checkDeliveries(h);
    expect(r).toMatchObject({ delivered: 2, unexpected: 1, leaks: 0 });
  });
});

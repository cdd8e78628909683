import { describe, expect, it } from 'vitest';
import { checkDeliveries } from './check.js';
import type { History, MemberChangeRecord, ObservationRecord, SendRecord } from './types.js';

const T0 = 1_700_000_000_000;
const FOUNDERS = ['alice', 'bob', 'carol'];

/** alice's acked messages to c1 with these ids (ids and change ids share the conversation's order). */
const sends = (ids: number[]): SendRecord[] =>
  ids.map((id) => ({ senderId: 'alice', conversationId: 'c1', clientMsgId: `alice-${id}`, messageId: String(id), intendedAt: T0 + id, sentAt: T0 + id, ackedAt: T0 + id + 5, expectedRecipients: FOUNDERS }));

const change = (userId: string, c: 'joined' | 'left', id: number): MemberChangeRecord => ({ userId, change: c, messageId: String(id) });
const seen = (channel: ObservationRecord['channel'], recipientId: string, id: number, conversationId = 'c1'): ObservationRecord => ({ channel, recipientId, conversationId, messageId: String(id) });

/** Every founder but alice got every message live; dave joins at 1003, carol leaves at 1005. */
function history(observations: ObservationRecord[]): History {
  const ids = [1001, 1002, 1004, 1006];
  const deliveries = ids.flatMap((id) => [
    { recipientId: 'bob', conversationId: 'c1', messageId: String(id), clientMsgId: `alice-${id}`, receivedAt: T0 + id + 20 },
    ...(id < 1005 ? [{ recipientId: 'carol', conversationId: 'c1', messageId: String(id), clientMsgId: `alice-${id}`, receivedAt: T0 + id + 20 }] : []),
    ...(id > 1003 ? [{ recipientId: 'dave', conversationId: 'c1', messageId: String(id), clientMsgId: `alice-${id}`, receivedAt: T0 + id + 20 }] : []),
  ]);
  return { sends: sends(ids), deliveries, observations, membership: { c1: { founders: FOUNDERS, changes: [change('dave', 'joined', 1003), change('carol', 'left', 1005)] } } };
}

describe('checkDeliveries: leaks by every channel', () => {
  it('finds nothing when history, search, receipts and member frames stay inside the spans', () => {
    const inside = [
      seen('history', 'dave', 1004),
      seen('history', 'carol', 1002),
      seen('search', 'dave', 1006),
      seen('search', 'carol', 1001),
      seen('receipt', 'carol', 1004), // bob read 1004 while carol was a member
      seen('receipt', 'dave', 1006),
      seen('member', 'dave', 1003), // dave hears of his own join
      seen('member', 'carol', 1005), // and carol of her own leave
      seen('member', 'carol', 1003), // carol was a member when dave joined
      seen('member', 'bob', 1005),
    ];
    const r = checkDeliveries(history(inside));
    expect(r).toMatchObject({ lost: 0, leaks: 0, leaksLive: 0, leaksSync: 0, leaksHistory: 0, leaksSearch: 0, leaksReceipts: 0, leaksMembers: 0 });
  });

  it('counts each channel under its own name, and leaks as their sum', () => {
    const outside = [
      seen('search', 'dave', 1001), // said before he joined
      seen('search', 'dave', 1001), // the same hit twice counts once
      seen('history', 'dave', 1002),
      seen('receipt', 'carol', 1006), // a reader's progress past carol's leave
      seen('member', 'dave', 1001), // no change at 1001 he could hear of
      seen('member', 'carol', 1007), // a later change, after carol left
    ];
    const r = checkDeliveries(history(outside));
    expect(r).toMatchObject({ leaksSearch: 1, leaksHistory: 1, leaksReceipts: 1, leaksMembers: 2, leaksLive: 0, leaksSync: 0, leaks: 5, lost: 0 });
    expect(r.examples.leaks).toContainEqual({ recipientId: 'dave', conversationId: 'c1', messageId: '1001', clientMsgId: 'alice-1001', channel: 'search' });
    expect(r.examples.leaks).toContainEqual({ recipientId: 'carol', conversationId: 'c1', messageId: '1006', clientMsgId: 'alice-1006', channel: 'receipt' });
  });

  it('judges a conversation without a membership history by everyone its sends named', () => {
    const s: SendRecord = { senderId: 'x', conversationId: 'c2', clientMsgId: 'x-1', messageId: '2001', intendedAt: T0, sentAt: T0, ackedAt: T0 + 5, expectedRecipients: ['y'] };
    const h: History = { ...history([seen('search', 'mallory', 2001, 'c2'), seen('receipt', 'y', 2001, 'c2'), seen('search', 'x', 2001, 'c2'), seen('search', 'mallory', 1, 'c3')]), sends: [...sends([1001]), s] };
    const r = checkDeliveries(h);
    expect(r).toMatchObject({ leaksSearch: 1, leaksReceipts: 0, leaks: 1 });
  });
});

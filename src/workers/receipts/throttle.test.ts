import { describe, expect, it } from 'vitest';
import { parseReceiptEntry, receiptEntry } from '../../store/index.js';
import { ConversationThrottle } from './throttle.js';

describe('receipt throttle per conversation', () => {
  it('sends the first change at once, then at most one round per interval with the readers that changed', () => {
    const t = new ConversationThrottle(200);
    t.offer('c1', 'u1');
    expect(t.take(1000)).toEqual([{ conversationId: 'c1', userIds: ['u1'] }]);
    t.offer('c1', 'u1');
    t.offer('c1', 'u2');
    t.offer('c1', 'u1');
    expect(t.take(1100)).toEqual([]);
    expect(t.take(1199)).toEqual([]);
    expect(t.take(1200)).toEqual([{ conversationId: 'c1', userIds: ['u1', 'u2'] }]);
    expect(t.take(1300)).toEqual([]);
  });

  it('throttles conversations independently', () => {
    const t = new ConversationThrottle(200);
    t.offer('c1', 'u1');
    t.take(0);
    t.offer('c1', 'u1');
    t.offer('c2', 'u9');
    expect(t.take(50)).toEqual([{ conversationId: 'c2', userIds: ['u9'] }]);
    expect(t.take(200)).toEqual([{ conversationId: 'c1', userIds: ['u1'] }]);
  });

  it('500 changes over 2 s leave ~10 rounds, and forgets quiet conversations', () => {
    const t = new ConversationThrottle(200);
    let rounds = 0;
    for (let ms = 0; ms < 2000; ms += 4) {
      t.offer('c', 'u');
      rounds += t.take(ms).length;
    }
    rounds += t.take(2200).length;
    expect(rounds).toBeGreaterThanOrEqual(10);
    expect(rounds).toBeLessThanOrEqual(11);
    t.take(5000);
    expect(t.tracked).toBe(0);
    expect(t.waiting).toBe(0);
  });
});

describe('dirty entries', () => {
  it('split at the first colon', () => {
    expect(parseReceiptEntry(receiptEntry('d_abc', 'user-1'))).toEqual({ conversationId: 'd_abc', userId: 'user-1' });
    expect(parseReceiptEntry('nocolon')).toBeNull();
    expect(parseReceiptEntry(':x')).toBeNull();
  });
});

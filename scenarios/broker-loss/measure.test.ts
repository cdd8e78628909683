import { describe, expect, it } from 'vitest';
import { safeSetting } from '../broker-loss.js';
import { ackLatency, ackedBetween, ackedLoss, electedAt, percentile, produceResumedAt, type SendAttempt } from './measure.js';

describe('broker-loss measures', () => {
  it('the election is the first sample naming a leader other than the killed broker', () => {
    const samples = [
      { at: 100, leader: 2, isr: [1, 2, 3] }, // the metadata still names the dead broker
      { at: 200, leader: -1, isr: [] }, // a read that failed while they elect
      { at: 300, leader: 3, isr: [1, 3] },
      { at: 400, leader: 1, isr: [1, 3] },
    ];
    expect(electedAt(samples, 2)?.at).toBe(300);
    expect(electedAt(samples.slice(0, 2), 2)).toBeUndefined();
  });

  it('produce resumed at the first ack of a message first sent after the leader was gone', () => {
    const sends: SendAttempt[] = [
      { c: 'c', m: 'a', i: 90, t: 90, id: '1', a: 105 }, // sent before: its ack may be the dead leader's, in flight
      { c: 'c', m: 'b', i: 95, t: 95 }, // first attempt before, retried after: still a message sent before
      { c: 'c', m: 'b', i: 95, t: 150, id: '2', a: 160 },
      { c: 'c', m: 'd', i: 120, t: 120, id: '4', a: 900 },
      { c: 'c', m: 'e', i: 130, t: 130, id: '5', a: 700 },
      { c: 'c', m: 'f', i: 140, t: 140 }, // never acked
    ];
    expect(produceResumedAt(sends, 100)).toBe(700);
    expect(produceResumedAt(sends.slice(0, 3), 100)).toBeUndefined();
  });

  it('send → ack latency counts from the intent and over the window only; an unacked send is counted apart', () => {
    const sends: SendAttempt[] = [
      { c: 'c', m: 'x', i: 0, t: 0, id: '1', a: 5 }, // before the window
      { c: 'c', m: 'a', i: 100, t: 100 },
      { c: 'c', m: 'a', i: 100, t: 2000, id: '2', a: 2100 }, // retried: 2000 ms from intent
      { c: 'c', m: 'b', i: 200, t: 200, id: '3', a: 210 },
      { c: 'c', m: 'd', i: 300, t: 300 }, // never acked
      { c: 'c', m: 'z', i: 5000, t: 5000, id: '9', a: 5001 }, // after the window
    ];
    expect(ackLatency(sends, 100, 1000)).toEqual({ p99: 2000, count: 3, neverAcked: 1 });
    expect(ackedBetween(sends, 0, 300)).toBe(2);
  });

  it('nearest-rank percentiles', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(v, 99)).toBe(99);
    expect(percentile(v, 50)).toBe(50);
    expect(percentile([], 99)).toBe(0);
  });

  it('an acked message missing from either store is lost once, whatever else holds it', () => {
    const loss = ackedLoss(['1', '2', '3', '4', '4'], new Set(['1', '2']), new Set(['1', '3']));
    expect(loss).toMatchObject({ ackedNotStored: 2, ackedNotIndexed: 2, ackedLost: 3 });
    expect(loss.examples).toEqual(['2', '3', '4']);
  });

  it('only acks=all with at least two in-sync replicas is held to no loss (the stack default counts as all and 2)', () => {
    expect(safeSetting({})).toBe(true);
    expect(safeSetting({ acks: 'all', minInsyncReplicas: 2 })).toBe(true);
    expect(safeSetting({ acks: 'all', minInsyncReplicas: 1 })).toBe(false);
    expect(safeSetting({ acks: '1', minInsyncReplicas: 3 })).toBe(false);
  });
});

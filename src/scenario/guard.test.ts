import { describe, expect, it } from 'vitest';
import { checkDeliveries } from './checker/index.js';
import { foldRepeats, vacuousGuard } from './guard.js';
import type { SeriesPoint } from './result.js';

const second = (connections: number): SeriesPoint => ({ tMs: 0, connections, sendsPerSec: 0, deliveriesPerSec: 0, reconnectsPerSec: 0, p50: null, p99: null });
const sends = (n: number, acked: boolean) =>
  Array.from({ length: n }, (_, i) => ({ senderId: 'a', conversationId: 'c', clientMsgId: `m${i}`, intendedAt: 0, sentAt: 0, expectedRecipients: ['b'], ...(acked ? { messageId: String(i + 1), ackedAt: 1 } : {}) }));

describe('the engine refuses a vacuous run whatever the thresholds', () => {
  it('a run that measured nothing: clients never connected, 159 sent, nothing acked → fails', () => {
    const checker = checkDeliveries({ sends: sends(159, false), deliveries: [] });
    expect(checker.lost).toBe(0); // the old thresholds all held
    const failed = vacuousGuard(checker, [second(0), second(0)], false).map((g) => g.name);
    expect(failed).toEqual(['guard: clients connected (peakConnections > 0)', 'guard: something acked (acked > 0)', 'guard: something delivered (delivered > 0)']);
  });
  it('a real run passes the guard', () => {
    const checker = checkDeliveries({ sends: sends(2, true), deliveries: [{ recipientId: 'b', conversationId: 'c', messageId: '1', clientMsgId: 'm0', receivedAt: 2 }, { recipientId: 'b', conversationId: 'c', messageId: '2', clientMsgId: 'm1', receivedAt: 2 }] });
    expect(vacuousGuard(checker, [second(2)], false)).toEqual([]);
  });
  it('a run with no clients and nothing sent did nothing', () => {
    expect(vacuousGuard(checkDeliveries({ sends: [], deliveries: [] }), [], false)).toHaveLength(1);
  });
});

describe('--repeat folds runs', () => {
  it('sums counts and takes the median of latency and measures', () => {
    const run = (p99: number, lost: number, m: number) => ({ checker: { ...checkDeliveries({ sends: [], deliveries: [] }), lost, sent: 10 }, latency: { count: 1, p50: 1, p90: 1, p99, p999: p99, max: p99 }, measures: { m } });
    const f = foldRepeats([run(10, 0, 1), run(30, 1, 5), run(20, 0, 3)]);
    expect(f.latency.p99).toBe(20);
    expect(f.checker.lost).toBe(1);
    expect(f.checker.sent).toBe(30);
    expect(f.measures['m']).toBe(3);
  });
});

import { describe, expect, it } from 'vitest';
import { judge, latenciesOf, outcomeOf, phaseOf, type Op } from './history.js';

const C = 'conv-1';
const w = (id: string, invokedAt: number, completedAt: number, outcome: Op['outcome'] = 'ok'): Op => ({ kind: 'write', process: 0, conversationId: C, messageId: id, invokedAt, completedAt, outcome });
const r = (invokedAt: number, completedAt: number, seen: string[], upTo?: string): Op => ({ kind: 'read', process: 1, conversationId: C, invokedAt, completedAt, outcome: 'ok', seen, ...(upTo ? { upTo } : {}) });
const d = (id: string, invokedAt: number, completedAt: number, outcome: Op['outcome'] = 'ok'): Op => ({ kind: 'delete', process: 2, conversationId: C, messageId: id, invokedAt, completedAt, outcome });
const window = { strikeAt: 100, repairAt: 190, healAt: 200 };
const held = (...ids: string[]) => new Map([[C, new Set(ids)]]);

describe('judging a storage history', () => {
  it('counts a read that began after a write was acknowledged and missed it as stale, and only such a read', () => {
    const ops = [w('10', 0, 5), r(3, 8, []), r(6, 9, []), r(7, 9, ['10'])];
    const v = judge(ops, window, held('10'));
    // the read invoked at 3 overlaps the write: either answer is allowed
    expect(v.staleReads).toBe(1);
    expect(v.staleMisses).toBe(1);
    expect(v.staleReadShare).toBeCloseTo(100 / 3);
    expect(v.examples[0]).toMatch(/stale read at 6 ms \(before\): missed 10/);
  });

  it('does not judge a message whose delete was invoked before the read ended, nor ids past a truncated page', () => {
    const ops = [w('10', 0, 5), w('20', 0, 5), d('10', 9, 30, 'unknown'), r(10, 12, [])];
    expect(judge(ops, window, held()).staleReads).toBe(1); // 20 only
    const truncated = [w('10', 0, 5), w('20', 0, 5), r(10, 12, ['10'], '10')];
    expect(judge(truncated, window, held('10', '20')).staleReads).toBe(0);
  });

  it('counts a deleted message returned by a read that began after the delete was acknowledged, and one still held at the end', () => {
    const ops = [w('10', 0, 5), d('10', 10, 12), r(11, 13, ['10']), r(13, 14, ['10']), r(15, 16, [])];
    const v = judge(ops, window, held('10'));
    expect(v.deletedSeen).toBe(1);
    expect(v.zombies).toBe(1);
    expect(v.deletesOk).toBe(1);
    // a deleted message is neither lost nor stale
    expect(v.ackedLost).toBe(0);
    expect(v.staleReads).toBe(0);
  });

  it('finds acknowledged writes lost, refusals that were stored, and leaves unknowns out of both', () => {
    const ops = [w('10', 0, 5), w('20', 0, 5, 'fail'), w('30', 0, 5, 'unknown'), w('40', 0, 5, 'unknown')];
    const v = judge(ops, window, held('20', '30'));
    expect(v.ackedLost).toBe(1);
    expect(v.ackedKept).toBe(1);
    expect(v.failedStored).toBe(1);
    expect(v.unknownStored).toBe(1);
    expect(v.examples).toContain('acked and lost: 10 (write ok at 5 ms)');
  });

  it('measures availability as the share of the writes invoked during the fault that were acknowledged', () => {
    const ops = [w('1', 50, 51), w('2', 110, 112), w('3', 120, 122, 'fail'), w('4', 130, 2130, 'unknown'), w('5', 140, 195), w('6', 250, 251, 'fail')];
    const v = judge(ops, window, held('1', '2', '5'));
    expect(v.faultWrites).toBe(4);
    expect([v.faultWritesOk, v.faultWritesFailed, v.faultWritesUnknown]).toEqual([2, 1, 1]);
    expect(v.writeAvailability).toBe(50);
    expect(v.faultWritesOkWhileAway).toBe(1); // 5 waited for the node
    expect(judge([], window, held()).writeAvailability).toBe(0);
    expect(latenciesOf(ops, 'write', 'fault', window)).toEqual([2, 55]);
    expect([phaseOf(99, window), phaseOf(100, window), phaseOf(200, window)]).toEqual(['before', 'fault', 'after']);
  });
});

describe("an operation's outcome from the driver's error", () => {
  it('is fail only when nothing can have been written, unknown otherwise', () => {
    expect(outcomeOf(undefined)).toBe('ok');
    expect(outcomeOf({ name: 'ResponseError', code: 0x1000 })).toBe('fail'); // Unavailable
    expect(outcomeOf({ name: 'ResponseError', code: 0x1100 })).toBe('unknown'); // WriteTimeout
    expect(outcomeOf({ name: 'OperationTimedOutError' })).toBe('unknown');
    expect(outcomeOf({ name: 'NoHostAvailableError', innerErrors: { a: { code: 0x1000 }, b: { code: 'ECONNREFUSED' } } })).toBe('fail');
    expect(outcomeOf({ name: 'NoHostAvailableError', innerErrors: {} })).toBe('fail');
    expect(outcomeOf({ name: 'NoHostAvailableError', innerErrors: { a: { code: 0x1000 }, b: { name: 'OperationTimedOutError' } } })).toBe('unknown');
  });
});

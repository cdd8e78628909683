import { describe, expect, it } from 'vitest';
import { judge, judgementText, smallSampleNote, spreadOf, spreadOfValues, valueAt, winnersOf, type Spread } from './spread.js';
import { checkDeliveries } from './checker/index.js';

const s = (...xs: number[]) => spreadOfValues(xs)!;
const names = ['none', 'full-jitter', 'decorrelated'];

describe('judge: a winner only when the ranges do not overlap', () => {
  it('calls the better median the winner when its range is apart from the others', () => {
    const j = judge([s(400, 412, 430), s(200, 206, 215)], 'lower');
    expect(j).toEqual({ kind: 'better', best: 1 });
    expect(judgementText(j, names)).toBe('full-jitter better');
    expect(judge([s(400, 412, 430), s(200, 206, 215)], 'higher')).toEqual({ kind: 'better', best: 0 });
  });

  it('says no difference measured when the ranges overlap, whatever the medians', () => {
    // two identical runs seen on a shared machine: 76.99 and 26.51 ms
    const j = judge([s(26.51, 76.99, 30), s(35, 27, 41)], 'lower');
    expect(j).toEqual({ kind: 'no-difference' });
    expect(judgementText(j, names)).toBe('no difference measured');
    // touching ranges overlap too
    expect(judge([s(10, 20), s(20, 30)], 'lower').kind).toBe('no-difference');
  });

  it('names no winner from one run each: there is no spread', () => {
    const j = judge([s(412), s(96)], 'lower');
    expect(j).toEqual({ kind: 'one-run' });
    expect(judgementText(j, names)).toBe('one run each: spread unknown');
  });

  it('says equal when every run of every variant has the same value', () => {
    expect(judge([s(0, 0, 0), s(0, 0, 0)], 'lower')).toEqual({ kind: 'equal' });
    expect(judge([s(1), s(1)], 'lower')).toEqual({ kind: 'equal' });
  });

  it('says which variant alone has a measure, not equal (search: rebuildMs is local only)', () => {
    const j = judge([s(81), null], 'lower');
    expect(j).toEqual({ kind: 'only-one', index: 0 });
    expect(judgementText(j, ['where=local', 'where=cloud'])).toBe('where=local only');
    expect(judge([null, s(1978)], 'lower')).toEqual({ kind: 'only-one', index: 1 });
  });

  it('lets tied leaders win together when both beat the rest', () => {
    const j = judge([s(300, 300), s(1, 1), s(1, 1)], 'lower');
    expect(j).toEqual({ kind: 'better', best: 1, tied: [2] });
    expect(winnersOf(j)).toEqual([1, 2]);
    expect(judgementText(j, names)).toBe('full-jitter and decorrelated better (no difference between them)');
    // a leader tied with the best but overlapping a third: nobody wins
    expect(judge([s(10, 20), s(15, 30), s(25, 40)], 'lower').kind).toBe('no-difference');
  });
});

describe('spreadOf', () => {
  const checker = checkDeliveries({ sends: [], deliveries: [] });
  const run = (p99: number, recoverMs: number) => ({ checker, latency: { count: 10, p50: 1, p90: 2, p99, p999: p99, max: p99 }, measures: { recoverMs } });
  it('takes median, min and max over the repeats, or the single run', () => {
    const v = { ...run(50, 900), repeats: [run(40, 1000), run(50, 900), run(90, 800)] };
    expect(spreadOf(v, 'latency.p99')).toEqual<Spread>({ median: 50, min: 40, max: 90, n: 3 });
    expect(spreadOf(v, 'measures.recoverMs')).toEqual<Spread>({ median: 900, min: 800, max: 1000, n: 3 });
    expect(spreadOf(v, 'recoverMs')).toEqual<Spread>({ median: 900, min: 800, max: 1000, n: 3 });
    expect(spreadOf(run(7, 1), 'latency.p99')).toEqual<Spread>({ median: 7, min: 7, max: 7, n: 1 });
    expect(spreadOf(v, 'nothing')).toBeNull();
    expect(valueAt(v, 'checker.lost')).toBe(0);
    expect(valueAt(v, 'checker.ackedNotStored')).toBe(0);
  });
});

describe('smallSampleNote', () => {
  it('flags a p99 that is the maximum of few samples', () => {
    expect(smallSampleNote(20, 'messages per size')).toBe('20 messages per size: p99 is the maximum');
    expect(smallSampleNote(99)).toBe('99 samples: p99 is the maximum');
    expect(smallSampleNote(500)).toBe('500 samples: p99.9 is the maximum');
    expect(smallSampleNote(1000)).toBeNull();
    expect(smallSampleNote(0)).toBeNull();
  });
});

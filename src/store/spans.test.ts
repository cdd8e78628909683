import { describe, expect, it } from 'vitest';
import { applyChange, formatSpans, parseSpans, readWindow, visibleTo } from './spans.js';

describe('membership spans', () => {
  it('a founding member sees everything; a member who left sees nothing after the leave', () => {
    expect(visibleTo(parseSpans(null), '5')).toBe(true);
    const left = applyChange(null, 'left', '10');
    expect(formatSpans(left)).toBe('0:10');
    expect(visibleTo(left, '9')).toBe(true);
    expect(visibleTo(left, '10')).toBe(false);
    expect(visibleTo(left, '11')).toBe(false);
  });

  it('a member added later sees only what came after the join, and a rejoin skips the gap', () => {
    let spans = applyChange(null, 'joined', '20');
    expect(visibleTo(spans, '19')).toBe(false);
    expect(visibleTo(spans, '21')).toBe(true);
    spans = applyChange(applyChange(spans, 'left', '30'), 'joined', '40');
    expect(formatSpans(spans)).toBe('20:30,40:');
    expect(parseSpans(formatSpans(spans))).toEqual(spans);
    expect(visibleTo(spans, '35')).toBe(false);
    expect(readWindow(spans, '0')).toEqual({ after: '20', before: '30', later: true });
    expect(readWindow(spans, '30')).toEqual({ after: '40', before: null, later: false });
    expect(readWindow(applyChange(null, 'left', '10'), '10')).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { fmtNum, fmtRatio, ratioOf, timesApart } from './numbers.js';

describe('fmtRatio', () => {
  it('prints ratios a reader can take in, never 0.00×', () => {
    expect(fmtRatio(1 / 300)).toBe('1/300');
    expect(fmtRatio(300)).toBe('300×');
    expect(fmtRatio(2429 / 119_713)).toBe('1/49');
    expect(fmtRatio(119_713 / 2429)).toBe('49×');
    expect(fmtRatio(610 / 4800)).toBe('1/7.9');
    expect(fmtRatio(0.2)).toBe('1/5');
    expect(fmtRatio(0.5)).toBe('0.5×');
    expect(fmtRatio(0.87)).toBe('0.87×');
    expect(fmtRatio(1)).toBe('1×');
    expect(fmtRatio(1.004)).toBe('1×');
    expect(fmtRatio(1.05)).toBe('1.05×');
    expect(fmtRatio(2.44)).toBe('2.4×');
    expect(fmtRatio(12_345)).toBe('12,345×');
    expect(fmtRatio(1 / 12_345)).toBe('1/12,345');
    expect(fmtRatio(0)).toBe('0×');
    expect(fmtRatio(null)).toBe('—');
    expect(fmtRatio(Infinity)).toBe('∞×');
    for (const r of [1e-9, 0.0001, 0.004, 0.01, 0.3]) expect(fmtRatio(r)).not.toMatch(/^0\.0+×$/);
  });

  it('has no ratio over a zero base, and 1 for zero over zero', () => {
    expect(ratioOf(5, 0)).toBeNull();
    expect(ratioOf(0, 0)).toBe(1);
    expect(ratioOf(null, 3)).toBeNull();
    expect(ratioOf(1, 300)).toBeCloseTo(1 / 300);
  });

  it('says how many times apart two values are, whichever is bigger', () => {
    expect(timesApart(2429, 119_713)).toBe('49×');
    expect(timesApart(119_713, 2429)).toBe('49×');
    expect(timesApart(0, 5)).toBeNull();
    expect(fmtNum(1234.5678)).toBe('1,234.6');
  });
});

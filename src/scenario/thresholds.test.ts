import { describe, expect, it } from 'vitest';
import { evaluate, parseThreshold } from './thresholds.js';
import { expandVariants, parseSets } from './variants.js';

const v = {
  checker: { lost: 0, duplicates: 2, hot: { ackedNotStored: 1 } } as never,
  latency: { count: 10, p50: 3, p90: 5, p99: 80, p999: 90, max: 95 },
  measures: { peakConnectsPerSec: 1200 },
};

describe('thresholds', () => {
  it('evaluates against checker counts, latency and measures', () => {
    expect(evaluate(parseThreshold('lost == 0'), v)).toEqual({ name: 'lost == 0', limit: 0, value: 0, ok: true });
    expect(evaluate(parseThreshold('duplicates==0'), v).ok).toBe(false);
    expect(evaluate(parseThreshold('p99 < 50'), v)).toMatchObject({ value: 80, ok: false });
    expect(evaluate(parseThreshold('peakConnectsPerSec <= 5000'), v).ok).toBe(true);
    expect(evaluate(parseThreshold('hot.ackedNotStored == 0'), v).ok).toBe(false);
  });
  it('fails a threshold whose value the run did not produce', () => {
    expect(evaluate(parseThreshold('nosuch < 1'), v)).toMatchObject({ value: null, ok: false });
  });
  it('rejects malformed thresholds', () => {
    expect(() => parseThreshold('p99 is small')).toThrow(/not NAME OP NUMBER/);
    expect(() => parseThreshold('< 5')).toThrow();
  });
});

describe('variants from --set', () => {
  it('a comma list runs each value; lists multiply', () => {
    const variants = expandVariants(parseSets(['backoff=none,full-jitter', 'clients=50']));
    expect(variants.map((x) => x.name)).toEqual(['backoff=none', 'backoff=full-jitter']);
    expect(variants[1]!.overrides).toEqual({ backoff: 'full-jitter', clients: '50' });
    expect(expandVariants(parseSets(['a=1,2', 'b=x,y'])).map((x) => x.name)).toEqual(['a=1 b=x', 'a=1 b=y', 'a=2 b=x', 'a=2 b=y']);
    expect(expandVariants({}).map((x) => x.name)).toEqual(['default']);
  });
  it('rejects bad --set syntax', () => {
    expect(() => parseSets(['novalue'])).toThrow(/key=value/);
    expect(() => parseSets(['k='])).toThrow(/no value/);
  });
});

describe('threshold grammar', () => {
  it('"p99 <" is an error, not p99 < 0', () => {
    expect(() => parseThreshold('p99 <')).toThrow(/--threshold "p99 <" is not NAME OP NUMBER/);
    expect(() => parseThreshold('p99 < fast')).toThrow();
  });
  it('reads k6 style: p(99)<200, p(99.9)<1s, p99<200ms', () => {
    expect(parseThreshold('p(99)<200')).toMatchObject({ left: 'p99', op: '<', limit: 200 });
    expect(parseThreshold('p(99.9)<1s')).toMatchObject({ left: 'p999', limit: 1000 });
    expect(parseThreshold('p99<200ms')).toMatchObject({ left: 'p99', limit: 200, name: 'p99 < 200' });
    expect(parseThreshold('publishesPerMsg@100 <= 1')).toMatchObject({ left: 'publishesPerMsg@100', limit: 1 });
  });
});

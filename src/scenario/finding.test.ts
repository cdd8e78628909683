import { describe, expect, it } from 'vitest';
import { fixtureRunResult } from '../../test/fixtures/run-result.js';
import { withRepeats } from '../../test/fixtures/repeats.js';
import { buildFinding, genericFinding } from './finding.js';

describe('buildFinding', () => {
  it('falls back to a generic finding computed from the data when the scenario states none', () => {
    const f = buildFinding({}, fixtureRunResult());
    expect(f.generic).toBe(true);
    expect(f.text).toBe(
      'no-jitter costs most in reconnectPeakPerSec: 4,800 against 610 for full-jitter, 7.9× apart (one run each: spread unknown). ' +
        '17,278,397 of 17,278,400 expected deliveries arrived over all variants (lost 3, duplicates 2).',
    );
    expect(f.measures.map((m) => m.measure)).toEqual(['measures.reconnectPeakPerSec', 'latency.p99']);
    expect(f.settings).toEqual(['variants differ in backoff (none · full-jitter)', 'the same in every variant: clients=10000']);
    expect(f.caveats).toEqual(['one run per variant: a difference may be noise; `--repeat 3` measures the spread']);
    expect(f.chart).toMatchObject({ kind: 'lines', title: 'send→deliver p99 over time' });
  });

  it('states a single variant by what it delivered and its own measures', () => {
    const r = fixtureRunResult();
    r.variants = [r.variants[1]!];
    expect(genericFinding(r).text).toBe(
      '8,639,200 of 8,639,200 expected deliveries arrived (lost 0, duplicates 0); send→deliver p99 96 ms. reconnectPeakPerSec 610, recoverySeconds 12, deliveriesPerSec 95,940, gatewayCpuPeakPct 15.25.',
    );
  });

  it('uses the scenario hook, with spread and verdict of its headline measures', () => {
    let r = withRepeats(fixtureRunResult(), 0, [400, 412, 430], { reconnectPeakPerSec: [4700, 4800, 5100] });
    r = withRepeats(r, 1, [90, 96, 420], { reconnectPeakPerSec: [600, 610, 700] });
    const f = buildFinding(
      {
        finding: {
          measures: ['reconnectPeakPerSec', 'latency.p99'],
          state: (run) => `peak ${run.variants.map((v) => v.measures['reconnectPeakPerSec']).join(' vs ')}`,
          settings: () => ['cutoff=100'],
          chart: () => ({ kind: 'bars', title: 't', yLabel: 'y', bars: [{ label: 'a', value: 1 }] }),
        },
      },
      r,
    );
    expect(f.generic).toBeUndefined();
    expect(f.text).toBe('peak 4800 vs 610');
    expect(f.measures[0]).toMatchObject({ measure: 'reconnectPeakPerSec', verdict: 'full-jitter better', best: 1, values: [{ median: 4800, min: 4700, max: 5100, n: 3 }, { median: 610, min: 600, max: 700, n: 3 }] });
    expect(f.measures[1]).toMatchObject({ measure: 'latency.p99', verdict: 'no difference measured', best: null });
    expect(f.settings[0]).toBe('cutoff=100');
    expect(f.settings).toContain('each variant ran 3 times, interleaved; values are medians, ranges min–max');
    expect(f.chart).toEqual({ kind: 'bars', title: 't', yLabel: 'y', bars: [{ label: 'a', value: 1 }] });
  });

  it('does not lose the run when the hook throws: the generic finding stands in, the error is a caveat', () => {
    const f = buildFinding({ finding: { measures: [], state: () => { throw new Error('no such measure'); } } }, fixtureRunResult());
    expect(f.generic).toBe(true);
    expect(f.caveats[0]).toBe("the scenario's own finding failed (no such measure); this is the generic one");
  });

  it('says so when the run could not be done or nothing finished', () => {
    expect(genericFinding({ ...fixtureRunResult(), error: 'Kafka did not answer', variants: [] }).text).toBe('The run could not be done: Kafka did not answer');
    expect(genericFinding({ ...fixtureRunResult(), variants: [] }).text).toBe('No variant finished: nothing was measured.');
  });
});

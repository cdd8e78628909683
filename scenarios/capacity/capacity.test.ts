import { describe, expect, it } from 'vitest';
import { createLatencyHistogram } from '../../src/core/index.js';
import { prepareRun } from '../../src/scenario/index.js';
import { scenario } from '../capacity.js';
import { capacityFinding } from './finding.js';
import { climb, knee } from './ladder.js';
import { saturatedFirst, type Usage } from './saturation.js';
import { parseSlo } from './slo.js';
import type { StepOutcome } from './steps.js';

/** A step outcome whose every delivery took `p99Ms` (so p99 = p99Ms). */
function outcome(p99Ms: number, lost = 0): StepOutcome {
  const h = createLatencyHistogram();
  for (let i = 0; i < 100; i++) h.record(p99Ms * 1000);
  return { sent: 100, acked: 100, expected: 900, delivered: 900 - lost, lost, deliveredFramesPerSec: 1000, connections: 100, latency: h.summary(), messagesPerSec: 100 };
}
const usage = (resource: string, score: number): Usage => ({ resource, text: `${Math.round(score * 100)}%`, score });

describe('capacity: the slo parameter', () => {
  it('reads the threshold grammar, k6 style too', () => {
    expect(parseSlo('p99<50ms')).toMatchObject({ left: 'p99', op: '<', limit: 50 });
    expect(parseSlo('p(99.9) <= 1s')).toMatchObject({ left: 'p999', op: '<=', limit: 1000 });
  });

  it.each([['p99>50'], ['lost<1'], ['p99<'], ['fast'], ['p99 < 50 parsecs']])('refuses %s before anything starts, with CHATLAB_E_CONFIG', (slo) => {
    expect(() => prepareRun(scenario, { slo: [slo] })).toThrow(expect.objectContaining({ code: 'CHATLAB_E_CONFIG', message: expect.stringMatching(/^--set slo: .*latency bound/) }));
  });

  it('accepts metric=frames|connections and nothing else', () => {
    expect(prepareRun(scenario, { metric: ['frames', 'connections'], slo: ['p99<50ms'] })).toHaveLength(2);
    expect(() => prepareRun(scenario, { metric: ['bytes'] })).toThrow(expect.objectContaining({ code: 'CHATLAB_E_CONFIG' }));
  });
});

describe('capacity: the ladder', () => {
  const slo = parseSlo('p99<50ms');

  it('confirms the first failure and the knee below it with repeats, and stops after two failures', async () => {
    // 1000 fails once by chance (median of 3 holds), 4000 really fails, 8000 too
    const script: Record<number, number[]> = { 500: [10], 1000: [80, 20, 30], 2000: [40, 45, 30, 48], 4000: [90, 120, 70], 8000: [200], 16000: [999] };
    const calls: number[] = [];
    const measure = async (load: number) => {
      calls.push(load);
      return { outcome: outcome(script[load]!.shift()!), usage: [usage('gateway-1 CPU', load / 5000)] };
    };
    const rows = await climb([500, 1000, 2000, 4000, 8000, 16000], slo, 3, measure, () => {});
    expect(calls).toEqual([500, 1000, 1000, 1000, 2000, 4000, 4000, 4000, 2000, 2000, 8000]);
    expect(rows.map((r) => [r.load, r.held, r.runs])).toEqual([[500, true, 1], [1000, true, 3], [2000, true, 3], [4000, false, 3], [8000, false, 1]]);
    expect(knee(rows)?.load).toBe(2000);
    const f = capacityFinding('frames', 'p99<50ms', slo, rows, knee(rows));
    expect(f.measures).toMatchObject({ knee: 2000, firstFailingLoad: 4000, saturatedAtLoad: 4000 });
    expect(f.sentence).toMatch(/^holds p99<50ms with nothing lost up to 2,000 frames\/s offered \(1,000 frames\/s delivered, p99 4\d ms \(median of 3 runs/);
    expect(f.sentence).toContain('at 4,000: p99 9');
    expect(f.sentence).toContain('saturated first: gateway-1 CPU (80%) at 4,000');
  });

  it('loss fails a step whatever the latency, and ends the ladder', async () => {
    const rows = await climb([100, 200, 400], slo, 1, async (l) => ({ outcome: outcome(5, l >= 200 ? 3 : 0), usage: [] }), () => {});
    expect(rows.map((r) => r.held)).toEqual([true, false]);
    expect(capacityFinding('connections', 'p99<50ms', slo, rows, knee(rows)).sentence).toContain('up to 100 connections held');
  });

  it('no held step: knee 0 (the default threshold fails), and says so', async () => {
    const rows = await climb([100, 200], slo, 1, async () => ({ outcome: outcome(500), usage: [usage('machine CPU', 0.99)] }), () => {});
    const f = capacityFinding('frames', 'p99<50ms', slo, rows, knee(rows));
    expect(f.measures['knee']).toBe(0);
    expect(f.sentence).toMatch(/^no load held p99<50ms with nothing lost, not even 100/);
  });
});

describe('capacity: what saturated first', () => {
  it('the first step where a resource reached 80%, a named process before the machine as a whole', () => {
    const steps = [
      { load: 1, usage: [usage('redis CPU', 0.3), usage('machine CPU', 0.5)] },
      { load: 2, usage: [usage('machine CPU', 0.95), usage('gateway-2 CPU', 0.85), usage('redis CPU', 0.9)] },
      { load: 3, usage: [usage('gateway-1 CPU', 1)] },
    ];
    expect(saturatedFirst(steps)).toEqual({ load: 2, usage: usage('redis CPU', 0.9) });
    expect(saturatedFirst([{ load: 1, usage: [usage('machine CPU', 0.9)] }])?.usage.resource).toBe('machine CPU');
    expect(saturatedFirst([{ load: 1, usage: [usage('redis CPU', 0.5)] }])).toBeNull();
  });
});

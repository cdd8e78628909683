import { describe, expect, it } from 'vitest';
import { checkOf, explainCheck, predictCpu, predictCpuTerms, type RunWork } from './checks.js';
import { syntheticCalibration } from './fixture.test-support.js';

/** A run that sent nothing: only the baseline, set-up, connect and reconnect terms can be non-zero. */
const quiet = (over: Partial<RunWork> = {}): RunWork => ({ routing: 'group', groupThreshold: 100, groupSize: 10, gateways: 3, sent: 0, delivered: 0, persisted: 0, indexed: 0, presence: 0, reads: 0, handshakes: 0, presenceMode: 'decoupled', clientSeconds: 0, ...over });

describe('predicting a run of given duration and set-up', () => {
  const cal = syntheticCalibration(
    { gatewayUsPerHandshake: 400 },
    {
      baselineUsPerSec: { gateway: 2000, kafka: 30_000, cassandra: 50_000, 'persist-worker': 1000, search: 20_000, indexer: 500, redis: 800, presence: 300 },
      perConversationUs: { cassandra: 900, redis: 50 },
      perMemberUs: { cassandra: 120, redis: 10, gateway: 5 },
      perHandshakeUs: { gateway: 999_999, redis: 30, presence: 70 },
      perFlapUs: { gateway: 600, presence: 100 },
      perSyncUs: { gateway: 200, cassandra: 300 },
    },
  );

  it('burns the baseline of each process kind over the wall time, once per process', () => {
    const t = predictCpuTerms(cal, quiet({ wallSec: 10 }));
    // three gateways at 2 ms/s for 10 s
    expect(t['gateways']!['baseline']).toBeCloseTo(3 * 2000 * 10, 6);
    expect(t['kafka + persist + cassandra']!['baseline']).toBeCloseTo((30_000 + 50_000 + 1000) * 10, 6);
    expect(t['indexer + search']!['baseline']).toBeCloseTo((20_000 + 500) * 10, 6);
    expect(t['redis']!['baseline']).toBeCloseTo(8000, 6);
    // a process count given overrides the default of one per kind
    expect(predictCpuTerms(cal, quiet({ wallSec: 10, processes: { gateway: 2, kafka: 3 } }))['kafka + persist + cassandra']!['baseline']).toBeCloseTo((3 * 30_000 + 50_000 + 1000) * 10, 6);
  });

  it('charges the set-up per conversation and per member, connects, and reconnects with their syncs', () => {
    const t = predictCpuTerms(cal, quiet({ conversations: 10, members: 90, handshakes: 100, flaps: 40, syncs: 360 }));
    expect(t['kafka + persist + cassandra']!['set-up']).toBeCloseTo(10 * 900 + 90 * 120, 6);
    expect(t['redis']!['set-up']).toBeCloseTo(10 * 50 + 90 * 10, 6);
    // the gateways' connect figure is gatewayUsPerHandshake (the per-kind one would double it)
    expect(t['gateways']!['connects']).toBeCloseTo(100 * 400, 6);
    expect(t['presence']!['connects']).toBeCloseTo(100 * 70, 6);
    expect(t['gateways']!['reconnects']).toBeCloseTo(40 * 600 + 360 * 200, 6);
    expect(t['kafka + persist + cassandra']!['reconnects']).toBeCloseTo(360 * 300, 6);
    const sums = predictCpu(cal, quiet({ conversations: 10, members: 90, handshakes: 100, flaps: 40, syncs: 360, wallSec: 2 }));
    expect(sums['gateways']).toBeCloseTo(90 * 5 + 100 * 400 + 40 * 600 + 360 * 200 + 3 * 2000 * 2, 6);
  });

  it('adds nothing for the new terms when a run does not say its duration or set-up (an older calibration predicts as before)', () => {
    const t = predictCpuTerms(syntheticCalibration(), quiet({ sent: 100, delivered: 900, persisted: 100 }));
    expect(t['gateways']!['baseline']).toBe(0);
    expect(t['kafka + persist + cassandra']!['messages']).toBeCloseTo(100 * (50 + 40 + 60), 6);
  });
});

describe('explaining a check', () => {
  it('names the largest terms and, for a miss, the gap as a multiple of the largest', () => {
    const x = checkOf('run: kafka CPU (s)', 1, 2);
    const why = explainCheck(x, { baseline: 750_000, messages: 250_000, 'set-up': 0 }, 1_600_000);
    expect(why).toBe('baseline 75%, messages 25% of the prediction; the gap (+1.0 s) is 1.3× the baseline term; baseline measured before the run 1.6 s vs 0.75 s calibrated');
    // a check within the limit says only what its prediction is made of
    expect(explainCheck(checkOf('ok', 1, 1.1), { messages: 1e6 })).toBe('messages 100% of the prediction');
  });
});

import { describe, expect, it } from 'vitest';
import { scenarios } from '../../scenarios/index.js';
import { ChatlabError } from '../core/index.js';
import { parseSets } from './variants.js';
import { CLUSTER_STORE_DEFAULTS, storeServiceOptions } from '../store/index.js';
import { prepareRun, suggest } from './prepare.js';

const race = scenarios['reconnect-race']!;
const fanout = scenarios['large-group-fanout']!;

function configError(f: () => unknown): ChatlabError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ChatlabError);
    expect((e as ChatlabError).code).toBe('CHATLAB_E_CONFIG');
    return e as ChatlabError;
  }
  throw new Error('did not throw');
}

describe('a run is checked before anything starts', () => {
  it('refuses an unknown --set key, naming the closest parameter', () => {
    const e = configError(() => prepareRun(race, parseSets(['client=8'])));
    expect(e.message).toBe('--set client: reconnect-race has no parameter "client"; did you mean "clients"?');
  });
  it('refuses a bad value, naming the key and what was given', () => {
    const e = configError(() => prepareRun(race, parseSets(['clients=lots'])));
    expect(e.message).toMatch(/^--set clients: .*\(got "lots"\)$/);
    expect(configError(() => prepareRun(race, parseSets(['fault=meteor']))).message).toMatch(/--set fault: .*kill-gateway/);
  });
  it('refuses a threshold on a measure the scenario does not have, before the run', () => {
    const e = configError(() => prepareRun(race, {}, ['reconects < 5']));
    expect(e.message).toContain('has no measure "reconects"; did you mean "reconnects"?');
    expect(() => prepareRun(race, {}, ['p99 <'])).toThrow(/--threshold "p99 <" is not NAME OP NUMBER/);
  });
  it('knows pattern measures (publishesPerMsg@<size>) and the shared ones', () => {
    expect(prepareRun(fanout, parseSets(['sizes=10']), ['publishesPerMsg@10 <= 10', 'p(99)<200ms', 'lost == 0', 'peakConnections > 0'])).toHaveLength(4);
    expect(() => prepareRun(fanout, {}, ['publishesPerMsg <= 10'])).toThrow(/has no measure/);
  });
  it('every scenario passes its own default thresholds through the check', () => {
    for (const def of Object.values(scenarios)) expect(() => prepareRun(def, {})).not.toThrow();
  });
  it('suggests only when one name is close', () => {
    expect(suggest('zzzz', ['alpha', 'beta'])).toBe('known: alpha, beta');
  });
});

describe('default thresholds cannot pass a run that measured nothing', () => {
  it('every scenario that connects clients requires a connection, and one that sends requires acks and deliveries', () => {
    for (const def of Object.values(scenarios)) {
      const t = prepareRun(def, {})[0]!.checks.map((c) => c.name);
      // hot-path and topic-explosion drive the routers directly, storage-consistency the store: no clients
      if (!['hot-path', 'topic-explosion', 'storage-consistency'].includes(def.name)) expect(t, def.name).toContain('peakConnections > 0');
      if (def.name !== 'thundering-herd') expect(t, def.name).toEqual(expect.arrayContaining(['acked > 0', 'delivered > 0']));
    }
  });
});

describe('store settings, taken by every scenario', () => {
  it('varies consistency per variant and records it with the parameters', () => {
    const prepared = prepareRun(race, parseSets(['writeConsistency=one,quorum', 'acks=1', 'minInsyncReplicas=2']));
    expect(prepared.map((p) => p.spec.name)).toEqual(['writeConsistency=one', 'writeConsistency=quorum']);
    expect(prepared[1]!.store).toEqual({ writeConsistency: 'QUORUM', acks: '1', minInsyncReplicas: 2 });
    expect(prepared[1]!.params).toMatchObject({ writeConsistency: 'QUORUM', acks: '1', minInsyncReplicas: 2, clients: 24 });
    expect(prepareRun(race, parseSets([]))[0]!.store).toEqual({});
  });

  it('refuses a level that is not ONE, QUORUM or ALL', () => {
    const e = configError(() => prepareRun(race, parseSets(['readConsistency=two'])));
    expect(e.message).toBe(`--set readConsistency: Invalid option: expected one of "ONE"|"QUORUM"|"ALL" (got "two")`);
    configError(() => prepareRun(fanout, parseSets(['acks=0'])));
  });

  it('maps the settings onto the services that use them', () => {
    expect(storeServiceOptions(CLUSTER_STORE_DEFAULTS)).toEqual({
      gateway: { readConsistency: 'QUORUM', writeConsistency: 'QUORUM', kafkaAcks: 'all' },
      persist: { writeConsistency: 'QUORUM' },
    });
  });
});

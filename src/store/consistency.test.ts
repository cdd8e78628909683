import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { crossCheckConsistency, driverConsistency } from './consistency.js';

describe('the acked-vs-stored cross-check level', () => {
  it('reads at ALL on a cluster, so every replica answers for every message', () => {
    expect(crossCheckConsistency('cluster')).toBe('ALL');
    expect(driverConsistency(crossCheckConsistency('cluster')!)).toBe(cassandra.types.consistencies.all);
  });

  it('keeps the driver default on one node (every level is the same node there)', () => {
    expect(crossCheckConsistency('single')).toBeUndefined();
    expect(crossCheckConsistency(undefined)).toBeUndefined();
  });
});

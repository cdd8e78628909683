import { describe, expect, it } from 'vitest';
import { billOfMaterials, gatewayCosts } from './bom.js';
import { demandOf, gatewaysReached, peakPerSec } from './demand.js';
import { syntheticCalibration } from './fixture.test-support.js';
import { costSentence, parseTradeoffSets, tradeoffs } from './tradeoffs.js';
import { workloadSchema, type WorkloadInput } from './workload.js';

const w = (over: WorkloadInput = {}) => workloadSchema.parse(over);
const only = (over: WorkloadInput) =>
  w({ messagesPerUserPerDay: 0, statusChangesPerUserPerDay: 0, readsPerUserPerDay: 0, searchesPerUserPerDay: 0, connectsPerUserPerDay: 0, ...over });

describe('rates at the peak', () => {
  it('turns per-user-per-day figures into per-second rates, times the peak factor', () => {
    expect(peakPerSec({ users: 86_400, peakFactor: 1 }, 1)).toBe(1);
    expect(peakPerSec({ users: 86_400, peakFactor: 3 }, 10)).toBe(30);
  });

  it('pushes a frame to each online member but the sender', () => {
    const d = demandOf(only({ users: 86_400, peakFactor: 2, messagesPerUserPerDay: 1, onlineShare: 0.5, groupMix: [{ size: 11, share: 1 }], routing: 'inbox' }), 1);
    expect(d.messagesPerSec).toBe(2);
    expect(d.framesPerSec).toBe(2 * 10 * 0.5);
    // inbox: a publish per member, a delivery per online member
    expect(d.redisPublishesPerSec).toBe(22);
    expect(d.redisDeliveriesPerSec).toBe(11);
  });

  it('publishes a group message once and delivers it once per gateway reached', () => {
    const d = demandOf(only({ users: 86_400, peakFactor: 1, messagesPerUserPerDay: 1, onlineShare: 1, groupMix: [{ size: 1000, share: 1 }], routing: 'group' }), 4);
    expect(d.redisPublishesPerSec).toBe(1);
    expect(d.redisDeliveriesPerSec).toBeCloseTo(4, 6);
    expect(gatewaysReached(1, 100)).toBeCloseTo(1, 9);
  });

  it('hybrid routes by the threshold', () => {
    const mix = [{ size: 50, share: 0.5 }, { size: 500, share: 0.5 }];
    const at = (groupThreshold: number) => demandOf(only({ users: 86_400, peakFactor: 1, messagesPerUserPerDay: 2, groupMix: mix, routing: 'hybrid', groupThreshold }), 1).redisPublishesPerSec;
    expect(at(100)).toBe(50 + 1);
    expect(at(1000)).toBe(50 + 500);
  });
});

describe('the bill of materials', () => {
  const cal = syntheticCalibration();

  it('splits the gateway figures into per-frame and per-Redis-message costs', () => {
    // inbox 20 = w + r, group 11 = w + r/10 → r = 10, w = 10
    const g = gatewayCosts(cal);
    expect(g.perRedisMessage).toBeCloseTo(10, 9);
    expect(g.perFrame).toBeCloseTo(10, 9);
  });

  it('counts gateways by CPU with headroom: 1,000 frames/s at 20 µs is 0.02 core', () => {
    // 86,400,000 users × 1 msg/day = 1,000 msg/s; direct chats, all online → 1,000 frames/s
    const b = billOfMaterials(only({ users: 86_400_000, peakFactor: 1, messagesPerUserPerDay: 1, onlineShare: 1, groupMix: [{ size: 2, share: 1 }], routing: 'inbox', gatewayMemoryGiB: 1e6 }), cal);
    const gw = b.components.find((c) => c.name === 'gateways')!;
    // frames 1,000 × (10 + 10 per Redis message in, 2 deliveries per message → 2,000 × 10) + 1,000 sends × 100
    expect(gw.busyCores).toBeCloseTo((1000 * 10 + 2000 * 10 + 1000 * 100) / 1e6, 9);
    expect(gw.bound).toBe('cpu');
  });

  it('counts gateways by connections when memory runs out first', () => {
    const b = billOfMaterials(only({ users: 1_000_000, onlineShare: 1, gatewayMemoryGiB: 1 }), cal);
    const gw = b.components.find((c) => c.name === 'gateways')!;
    // (1 GiB − 0.12 GiB) / 50,000 B = 18,897 connections per process
    expect(gw.count).toBe(Math.ceil(1_000_000 / Math.floor((0.88 * 2 ** 30) / 50_000)));
    expect(gw.bound).toBe('connections (memory)');
  });

  it('multiplies Cassandra CPU and disk by the replication factor', () => {
    const at = (rf: number) => billOfMaterials(only({ users: 1_000_000, messagesPerUserPerDay: 100, rf, nodeCores: 1000 }), cal).components.find((c) => c.name === 'Cassandra nodes')!;
    expect(at(3).diskGiB! / at(1).diskGiB!).toBeCloseTo(3, 9);
    expect(at(3).busyCores / at(1).busyCores).toBeCloseTo(3, 9);
    // 1e8 msg/day × 100 B × RF 3 × 365 days × 1.5 headroom
    expect(at(3).diskGiB).toBeCloseTo((1e8 * 100 * 3 * 365 * 1.5) / 2 ** 30, 6);
    expect(at(3).count).toBeGreaterThanOrEqual(3);
  });

  it('says classic Pub/Sub cannot spread publishes when one node cannot take them all', () => {
    // 1e9 users × 40 msg/day × 3 / 86,400 ≈ 1.4M msg/s, each a publish per member
    const classic = billOfMaterials(w({ users: 1_000_000_000, pubsub: 'classic' }), cal);
    expect(classic.binding).toBe('Redis nodes');
    expect(classic.bindingWhy).toMatch(/classic Pub\/Sub/);
    const sharded = billOfMaterials(w({ users: 1_000_000_000, pubsub: 'sharded' }), cal);
    expect(sharded.components.find((c) => c.name === 'Redis nodes')!.limit).toBeUndefined();
  });

  it('drops the search nodes with local search and the presence servers with inline presence', () => {
    const names = billOfMaterials(w({ search: 'local', presence: 'inline' }), cal).components.map((c) => c.name);
    expect(names).not.toContain('search nodes');
    expect(names).not.toContain('presence');
  });
});

describe('trade-offs', () => {
  it('says which variant costs most and by how much, in one sentence', () => {
    const s = costSentence('routing', [
      { value: 'inbox', machines: 210, cores: 2000, memoryGiB: 1, binding: 'gateways', components: [] },
      { value: 'group', machines: 100, cores: 900, memoryGiB: 1, binding: 'gateways', components: [] },
    ]);
    expect(s).toBe("routing=inbox costs most: 210 machines, 2.1× routing=group's 100 (gateways need the most in both).");
  });

  it('inbox routing costs more than group routing for large groups', () => {
    const t = tradeoffs(w({ users: 10_000_000, groupMix: [{ size: 1000, share: 1 }] }), syntheticCalibration(), parseTradeoffSets(['routing=inbox,group'], w()));
    const [inbox, group] = t[0]!.variants;
    expect(inbox!.machines).toBeGreaterThan(group!.machines);
    expect(t[0]!.sentence).toMatch(/^routing=inbox costs most/);
  });

  it('refuses an unknown key or value with CHATLAB_E_CONFIG', () => {
    expect(() => parseTradeoffSets(['colour=red'], w())).toThrow(/unknown key/);
    expect(() => parseTradeoffSets(['routing=carrier-pigeon'], w())).toThrow(/routing=carrier-pigeon/);
  });
});

import { describe, expect, it } from 'vitest';
import { decodeSamples, deriveCalibration, frameAndSendCosts, leastSquares, perKindFigures, redisCosts, solve2 } from './derive.js';
import { gatewaysReached } from './demand.js';
import { predictCpu } from './checks.js';
import { syntheticCalibration } from './fixture.test-support.js';

/** Windows of a variant whose gateway CPU is exactly s per send + f per frame. */
function windows(s: number, f: number, extra: Record<string, number[]> = {}) {
  const fan = [{ m: 100, fr: 2900 }, { m: 90, fr: 2610 }, { m: 110, fr: 3190 }];
  const dir = [{ m: 600, fr: 600 }, { m: 580, fr: 580 }, { m: 620, fr: 620 }];
  return {
    'fan.sent': fan.map((x) => x.m),
    'fan.frames': fan.map((x) => x.fr),
    'fan.gatewayUs': fan.map((x) => s * x.m + f * x.fr),
    'dir.sent': dir.map((x) => x.m),
    'dir.frames': dir.map((x) => x.fr),
    'dir.gatewayUs': dir.map((x) => s * x.m + f * x.fr),
    ...extra,
  };
}

describe('deriving unit costs from the calibration windows', () => {
  it('decodes name#i measures back into samples', () => {
    expect(decodeSamples({ 'a#0': 1, 'a#1': 2, 'b.c#0': 3, plain: 4 })).toEqual({ a: [1, 2], 'b.c': [3] });
  });

  it('solves two equations and says when they are singular', () => {
    expect(solve2(1, 1, 3, 1, -1, 1)).toEqual([2, 1]);
    expect(solve2(1, 2, 3, 2, 4, 6)).toBeNull();
  });

  it('splits gateway CPU into per-send and per-frame costs', () => {
    const r = frameAndSendCosts(windows(300, 12));
    expect(r.fit![0]).toBeCloseTo(300, 6);
    expect(r.fit![1]).toBeCloseTo(12, 6);
  });

  it('splits Redis CPU into per-publish and per-delivery costs across the two routings', () => {
    // inbox: 30 publishes and 29 deliveries per message; group: 1 publish, one delivery per gateway reached
    const p = 2;
    const d = 5;
    const inbox = { 'fan.publishes': [3000], 'fan.frames': [2900], 'fan.sent': [100], 'fan.redisUs': [p * 3000 + d * 2900] };
    const reached = gatewaysReached(30, 3);
    const group = { 'fan.publishes': [100], 'fan.frames': [2900], 'fan.sent': [100], 'fan.redisUs': [p * 100 + d * 100 * reached] };
    const r = redisCosts(inbox, group, 30, 3);
    expect(r.perPublish[0]).toBeCloseTo(p, 6);
    expect(r.perDelivery[0]).toBeCloseTo(d, 6);
  });

  it('splits Redis CPU into per-send, per-publish and per-delivery costs with the direct windows', () => {
    // a send costs s besides its publishes (the recent stream); inbox: a publish per member, a delivery per frame; group: one publish, one delivery per gateway reached
    const [s, p, d] = [120, 2, 5];
    const reached = gatewaysReached(30, 3);
    const reached2 = gatewaysReached(2, 3);
    const inbox = { 'fan.sent': [100, 90], 'fan.publishes': [3000, 2700], 'fan.frames': [2900, 2610], 'dir.sent': [600, 580], 'dir.publishes': [1200, 1160], 'dir.frames': [600, 580] };
    const group = { 'fan.sent': [100, 110], 'fan.publishes': [100, 110], 'fan.frames': [2900, 3190], 'dir.sent': [600, 620], 'dir.publishes': [600, 620], 'dir.frames': [600, 620] };
    const cpu = (v: Record<string, number[]>, t: string, perDelivery: (i: number) => number) => v[`${t}.sent`]!.map((m, i) => s * m + p * v[`${t}.publishes`]![i]! + d * perDelivery(i));
    const inboxCpu = { ...inbox, 'fan.redisUs': cpu(inbox, 'fan', (i) => inbox['fan.frames'][i]!), 'dir.redisUs': cpu(inbox, 'dir', (i) => inbox['dir.frames'][i]!) };
    const groupCpu = { ...group, 'fan.redisUs': cpu(group, 'fan', (i) => group['fan.sent'][i]! * reached), 'dir.redisUs': cpu(group, 'dir', (i) => group['dir.sent'][i]! * reached2) };
    const r = redisCosts(inboxCpu, groupCpu, 30, 3);
    expect(r.fit![0]).toBeCloseTo(s, 6);
    expect(r.fit![1]).toBeCloseTo(p, 6);
    expect(r.fit![2]).toBeCloseTo(d, 6);
    expect(r.perSend[1]).toBeCloseTo(s, 6);
  });

  it('names every figure no step measured, and predicts the CPU of the work it was derived from', () => {
    const cal = deriveCalibration({
      inbox: windows(300, 20),
      group: windows(300, 12, { gateways: [3] }),
      groupSize: 30,
      machine: { cpuModel: 't', cores: 2, clockMHz: 1, memoryGiB: 1 },
      versions: {},
      measuredAt: 'now',
    });
    expect(cal.figures.gatewayUsPerSend.value).toBeCloseTo(300, 6);
    expect(cal.figures.gatewayUsPerFrameGroup.value).toBeCloseTo(12, 6);
    expect(cal.notes.some((n) => n.startsWith('searchUsPerQuery: not measured'))).toBe(true);
    // the inbox fan-out windows: 100 sends, 2,900 frames → 300·100 + 20·2,900 µs of gateway CPU
    const c = syntheticCalibration({ gatewayUsPerFrameInbox: 20, gatewayUsPerFrameGroup: 12, gatewayUsPerSend: 300, groupFramesPerGatewayMessage: 10 });
    const p = predictCpu(c, { routing: 'inbox', groupThreshold: 100, groupSize: 30, gateways: 3, sent: 100, delivered: 2900, persisted: 0, indexed: 0, presence: 0, reads: 0, handshakes: 0, presenceMode: 'decoupled', clientSeconds: 0 });
    expect(p['gateways']).toBeCloseTo(300 * 100 + 20 * 2900, 6);
  });
});

describe('per-kind figures: baselines, set-up, connects', () => {
  it('solves least squares, leaves out a column nothing measured, and says when columns are dependent', () => {
    const rows = [[1, 0, 2], [0, 1, 1], [1, 1, 0], [2, 1, 1]];
    const x = leastSquares(rows, rows.map((r) => 3 * r[0]! + 5 * r[1]! + 7 * r[2]!))!;
    expect(x[0]).toBeCloseTo(3, 9);
    expect(x[1]).toBeCloseTo(5, 9);
    expect(x[2]).toBeCloseTo(7, 9);
    expect(leastSquares([[1, 0], [2, 0]], [4, 8])).toEqual([4, 0]);
    expect(leastSquares([[1, 2], [2, 4], [3, 6]], [1, 2, 3])).toBeNull();
  });

  it('takes the idle median per kind, and splits set-up and connect windows into their costs', () => {
    // set-up: Cassandra pays 900 µs a conversation and 120 a member; connects 40, reconnects 300, syncs 150, notifications 25 (presence)
    const setups = [[10, 300], [100, 200], [30, 60], [50, 200]];
    const conns = [[300, 0, 0, 0], [200, 0, 0, 100], [0, 100, 100, 80], [0, 50, 200, 190], [0, 50, 50, 40]];
    const variant = (scale: number) => ({
      'idle.kafka': [30_000 * scale, 31_000, 29_000],
      'idle.gateway': [2000, 2100, 1900],
      'setup.conversations': setups.map((r) => r[0]!),
      'setup.members': setups.map((r) => r[1]!),
      'setup.cassandra': setups.map((r) => 900 * r[0]! + 120 * r[1]!),
      'setup.gateway': setups.map(() => 0),
      'conn.connects': conns.map((r) => r[0]!),
      'conn.flaps': conns.map((r) => r[1]!),
      'conn.syncs': conns.map((r) => r[2]!),
      'conn.notifications': conns.map((r) => r[3]!),
      'conn.presence': conns.map((r) => 40 * r[0]! + 300 * r[1]! + 150 * r[2]! + 25 * r[3]!),
    });
    const f = perKindFigures([variant(1), variant(1)]);
    expect(f.baselineUsPerSec['kafka']!.value).toBe(30_000);
    expect(f.baselineUsPerSec['gateway']!).toEqual({ value: 2000, min: 1900, max: 2100, n: 6 });
    expect(f.perConversationUs['cassandra']!.value).toBeCloseTo(900, 6);
    expect(f.perMemberUs['cassandra']!.value).toBeCloseTo(120, 6);
    expect(f.perConversationUs['gateway']!.value).toBe(0);
    expect(f.perHandshakeUs['presence']!.value).toBeCloseTo(40, 6);
    expect(f.perFlapUs['presence']!.value).toBeCloseTo(300, 6);
    expect(f.perSyncUs['presence']!.value).toBeCloseTo(150, 6);
    expect(f.presenceUsPerNotification!.value).toBeCloseTo(25, 6);
  });
});

import { describe, expect, it } from 'vitest';
import { decodeSamples, deriveCalibration, frameAndSendCosts, redisCosts, solve2 } from './derive.js';
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

import { describe, expect, it } from 'vitest';
import { buildFinding, checkDeliveries, type RunResult, type VariantResult } from '../../src/scenario/index.js';
import { scenario as herd } from '../thundering-herd.js';
import { scenario as receipts } from '../read-receipts.js';
import { scenario as transport } from '../transport.js';
import { scenario as topicExplosion } from '../topic-explosion.js';
import { scenario as capacity } from '../capacity.js';
import { scenario as reconnectRace } from '../reconnect-race.js';
import { bystanderCurve } from './presence.js';

const checker = checkDeliveries({ sends: [], deliveries: [] });
const latency = { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
const run = (scenario: string, variants: VariantResult[]): RunResult => ({
  schemaVersion: 1, scenario, description: '', ok: true, runId: 'r', startedAt: '', finishedAt: '',
  environment: { hostname: '', cpus: 2, cpuModel: '', memoryGiB: 1, os: '', node: '', provider: 'native', versions: {}, chatlab: '', seed: 1, config: {} },
  variants,
});
const variant = (name: string, params: VariantResult['params'], measures: Record<string, number>, extra: Partial<VariantResult> = {}): VariantResult => ({
  name, params, checker, latency, thresholds: [], measures, timeline: [], series: [], errors: [], durationMs: 1, ...extra,
});

describe('thundering-herd finding', () => {
  const second = (t: number, attempts: number, connects: number) => ({ tMs: t, connections: 100, sendsPerSec: 0, deliveriesPerSec: 0, reconnectsPerSec: connects, p50: null, p99: null, connectAttemptsPerSec: attempts, connectsPerSec: connects });
  const r = run('thundering-herd', [
    variant('backoff=none', { clients: 200, backoff: 'none' }, { peakConnectsPerSec: 1000, recoverMs: 1200, recoveredAll: 1, failedConnects: 0 }, {
      timeline: [{ atMs: 3000, kind: 'fault', label: 'kill -9 gateway-1' }],
      series: [second(2000, 0, 0), second(3000, 100, 100), second(4000, 20, 0)],
    }),
    variant('backoff=full-jitter', { clients: 200, backoff: 'full-jitter' }, { peakConnectsPerSec: 125, recoverMs: 4600, recoveredAll: 1, failedConnects: 0 }, {
      timeline: [{ atMs: 5000, kind: 'fault', label: 'kill -9 gateway-1' }],
      series: [second(5000, 30, 25), second(6000, 50, 50)],
    }),
  ]);
  const f = buildFinding(herd, r);

  it('states each policy’s peak and recovery and how far apart the peaks are', () => {
    expect(f.text).toBe(
      'After kill -9 of the gateway holding half of 200 clients, backoff=none peaks at 1,000 connect attempts/s and has every client back after 1.2 s; ' +
        'backoff=full-jitter peaks at 125 connect attempts/s and has every client back after 4.6 s. The gentlest herd (backoff=full-jitter) peaks at 1/8 of the harshest (one run each: spread unknown).',
    );
  });

  it('names the shutdown kind, the admission rate, accepted connects and the failed ones', () => {
    const shed = run('thundering-herd', [
      variant('backoff=none victim=kill', { clients: 200, backoff: 'none', victim: 'kill', admitPerSec: 50 }, { peakConnectsPerSec: 900, peakAcceptedPerSec: 70, recoverMs: 9000, recoveredAll: 1, failedConnects: 340 }),
      variant('backoff=none victim=term', { clients: 200, backoff: 'none', victim: 'term', admitPerSec: 50 }, { peakConnectsPerSec: 90, peakAcceptedPerSec: 60, recoverMs: 2500, recoveredAll: 1, failedConnects: 0 }),
    ]);
    expect(buildFinding(herd, shed).text).toBe(
      'After kill -9 or SIGTERM (graceful) of the gateway holding half of 200 clients behind admission control of 50 handshakes/s per gateway, ' +
        'backoff=none victim=kill peaks at 900 connect attempts/s (70 accepted), 340 connects failed and has every client back after 9.0 s; ' +
        'backoff=none victim=term peaks at 90 connect attempts/s (60 accepted) and has every client back after 2.5 s. ' +
        'The gentlest herd (backoff=none victim=term) peaks at 1/10 of the harshest (one run each: spread unknown).',
    );
  });

  it('charts offered and accepted connects/s per policy on one time axis, zero at the kill', () => {
    expect(f.chart).toMatchObject({ kind: 'lines', xTime: true, markers: [{ x: 0, kind: 'fault' }] });
    if (f.chart?.kind !== 'lines') throw new Error('lines expected');
    expect(f.chart.lines.map((l) => [l.name, l.dashed ?? false])).toEqual([
      ['backoff=none accepted', false],
      ['backoff=none offered', true],
      ['backoff=full-jitter accepted', false],
      ['backoff=full-jitter offered', true],
    ]);
    expect(f.chart.lines[1]!.points).toEqual([[-1000, 0], [0, 100], [1000, 20]]);
    expect(f.chart.lines[2]!.points).toEqual([[0, 25], [1000, 50]]);
  });
});

describe('read-receipts finding', () => {
  it('states writes per read of each mode and charts them as bars', () => {
    const r = run('read-receipts', [
      variant('receipts=write-back', { receipts: 'write-back' }, { reads: 4000, dbWrites: 100, readsPerDbWrite: 40, stalenessMs: 1200 }),
      variant('receipts=write-through', { receipts: 'write-through' }, { reads: 4000, dbWrites: 4000, readsPerDbWrite: 1, stalenessMs: 80 }),
    ]);
    const f = buildFinding(receipts, r);
    expect(f.text).toBe(
      'Write-back makes 1 Cassandra write per 40 reads where write-through makes 1 Cassandra write per read, 40× fewer writes (one run each: spread unknown); every watermark is stored 1,200 ms after the last read with write-back vs 80 ms with write-through.',
    );
    expect(f.chart).toEqual({ kind: 'bars', title: 'Cassandra writes per read', yLabel: 'writes per read', bars: [{ label: 'receipts=write-back', value: 0.025 }, { label: 'receipts=write-through', value: 1 }] });
  });
});

describe('bystanderCurve', () => {
  it('gives the p99 of bystanders only, second by second from the storm, with gaps as null', () => {
    const from = 1_000_000;
    const d = (r: string, i: number, ms: number) => ({ r, i: from + i, t: from + i + ms });
    const curve = bystanderCurve([d('a', -500, 5), d('a', 200, 10), d('b', 300, 900), d('a', 2500, 30), { ...d('a', 2600, 99), sync: 1 as const }], new Set(['a']), from);
    expect(curve.map(([x]) => x)).toEqual([-1000, 0, 1000, 2000]);
    expect(curve[2]![1]).toBeNull();
    expect(curve[1]![1]).toBeCloseTo(10, 0);
    expect(curve[3]![1]).toBeCloseTo(30, 0);
  });
});

describe('transport finding', () => {
  const lat = (p50: number, p99: number) => ({ count: 1000, p50, p90: p99, p99, p999: p99, max: p99 });
  const measures = (cpu: number, client: number, bytes: number, rps: number) => ({ cpuUsPerDelivered: cpu, clientCpuUsPerDelivered: client, bytesPerDelivered: bytes, requestsPerSec: rps });
  const r = run('transport', [
    variant('transport=ws', { clients: 40, ratePerSec: 40, transport: 'ws' }, measures(1600, 660, 461, 0), { latency: lat(51, 399) }),
    variant('transport=longpoll', { clients: 40, ratePerSec: 40, transport: 'longpoll' }, measures(2400, 1320, 922, 134), { latency: lat(600, 1400) }),
  ]);
  const f = buildFinding(transport, r);

  it('states latency, CPU, bytes and requests of long polling against WebSocket', () => {
    expect(f.text).toContain('long polling delivered at p50 600 ms / p99 1,400 ms against 51 ms / 399 ms over WebSocket');
    expect(f.text).toContain('2,400 µs of gateway CPU vs 1,600 µs, 1.5× more');
    expect(f.text).toContain('922 bytes on the wire vs 461 bytes, 2× more');
    expect(f.text).toContain('134 HTTP requests/s where WebSocket made 0');
  });

  it('charts long polling over WebSocket per measure, leaving out requests/s (zero over WebSocket)', () => {
    expect(f.chart).toMatchObject({ kind: 'bars' });
    if (f.chart?.kind !== 'bars') throw new Error('bars expected');
    expect(f.chart.bars.map((b) => [b.label, b.value])).toEqual([
      ['latency p50', 11.8],
      ['latency p99', 3.51],
      ['gateway CPU per message', 1.5],
      ['client CPU per message', 2],
      ['bytes per message', 2],
    ]);
  });
});

describe('stepped scenarios chart their steps', () => {
  it('topic-explosion: p99 and creation cost against the channel count, one line per router and measure, steps in order', () => {
    const r = run('topic-explosion', [
      variant('router=kafka', { router: 'kafka' }, { 'p99@1000': 900, 'p99@200': 40, 'createUsPerChannel@200': 2000, 'createUsPerChannel@1000': 1100, usableUpTo: 1000 }),
      variant('router=pubsub', { router: 'pubsub' }, { 'p99@200': 2, 'p99@1000': 1, 'createUsPerChannel@200': 3, 'createUsPerChannel@1000': 1, usableUpTo: 1000 }),
    ]);
    const chart = buildFinding(topicExplosion, r).chart;
    expect(chart).toMatchObject({ kind: 'lines', title: 'produce → consume p99 as channels grow', xScale: 'log' });
    if (chart?.kind !== 'lines') throw new Error('not a line chart');
    expect(chart.lines.map((l) => [l.name, l.axis ?? 'left', l.points])).toEqual([
      ['router=kafka p99', 'left', [[200, 40], [1000, 900]]],
      ['router=kafka create', 'right', [[200, 2000], [1000, 1100]]],
      ['router=pubsub p99', 'left', [[200, 2], [1000, 1]]],
      ['router=pubsub create', 'right', [[200, 3], [1000, 1]]],
    ]);
  });

  it('capacity: the SLO latency and delivered frames against the offered load; no steps, no chart', () => {
    const one = variant('default', { metric: 'frames', slo: 'p99<50ms' }, { 'slo@180': 16.5, 'slo@360': 18, 'deliveredFramesPerSec@180': 180, 'deliveredFramesPerSec@360': 359, knee: 360 });
    const chart = buildFinding(capacity, run('capacity', [one])).chart;
    expect(chart).toMatchObject({ kind: 'lines', title: 'p99<50ms against the offered load', xLabel: 'offered load (frames/s)' });
    if (chart?.kind !== 'lines') throw new Error('not a line chart');
    expect(chart.lines.map((l) => [l.name, l.points])).toEqual([['latency', [[180, 16.5], [360, 18]]], ['delivered', [[180, 180], [360, 359]]]]);
    expect(buildFinding(capacity, run('capacity', [variant('default', { metric: 'frames', slo: 'p99<50ms' }, { knee: 0 })])).chart).toBeUndefined();
  });
});

describe('reconnect-race finding', () => {
  it('says which fault cost the worst p99 and against what, stating the shared load once', () => {
    const p = (fault: string) => ({ fault, flapFraction: 0.15, clients: 500, flapEveryMs: 1000 });
    const lat = (p99: number) => ({ ...latency, count: 100, p99 });
    const r = run('reconnect-race', [
      variant('fault=kill-gateway', p('kill-gateway'), { reconnects: 900 }, { latency: lat(2800) }),
      variant('fault=restart-cassandra', p('restart-cassandra'), { reconnects: 700 }, { latency: lat(46) }),
      variant('fault=pause-kafka', p('pause-kafka'), { reconnects: 720 }, { latency: lat(300) }),
    ]);
    const text = buildFinding(reconnectRace, r).text;
    expect(text).toMatch(/^With 15% of 500 clients flapping every 1,000 ms, kill-gateway cost the worst send→deliver p99, 2,800 ms against 46 ms for restart-cassandra; clients reconnected 700–900 times per variant/);
    expect(text.match(/flapping/g)).toHaveLength(1);
  });
});

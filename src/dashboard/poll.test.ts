import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { MetricNames, counter, createRegistry, gauge } from '../core/index.js';
import { MetricsPoller, type PolledService } from './poll.js';
import type { ProcSample } from '../core/index.js';
import { emptyDashboardState, mergeDashboardState } from './state.js';

/** Prometheus text as a gateway would expose it (only the lines the poller reads). */
function gatewayText(o: { conns: number; sent: number; delivered: number; inbox: number; group: number; produced: number; fast: number; slow: number; members?: number }): string {
  return [
    '# TYPE chatlab_ws_connections gauge',
    `chatlab_ws_connections{service="gw"} ${o.conns}`,
    `chatlab_messages_sent_total{service="gw"} ${o.sent}`,
    `chatlab_messages_delivered_total{service="gw"} ${o.delivered}`,
    `chatlab_redis_publishes_total{service="gw",channel="inbox"} ${o.inbox}`,
    `chatlab_redis_publishes_total{service="gw",channel="group"} ${o.group}`,
    `chatlab_kafka_produced_total{service="gw"} ${o.produced}`,
    `chatlab_member_changes_total{service="gw",change="joined"} ${o.members ?? 0}`,
    `chatlab_delivery_latency_seconds_bucket{le="0.002",service="gw"} ${o.fast}`,
    `chatlab_delivery_latency_seconds_bucket{le="0.05",service="gw"} ${o.fast + o.slow}`,
    `chatlab_delivery_latency_seconds_bucket{le="+Inf",service="gw"} ${o.fast + o.slow}`,
  ].join('\n');
}

const persistText = (persisted: number, lag: number) => `chatlab_persisted_total ${persisted}\nchatlab_persist_lag ${lag}\n`;
const presenceText = (events: number, writes: number, notes: number) =>
  `chatlab_presence_events_total ${events}\nchatlab_presence_redis_writes_total ${writes}\nchatlab_presence_notifications_total ${notes}\n`;

describe('MetricsPoller', () => {
  const services: PolledService[] = [
    { name: 'gateway-1', kind: 'gateway', url: 'http://g1', pid: 101 },
    { name: 'gateway-2', kind: 'gateway', url: 'http://g2', pid: 102 },
    { name: 'persist', kind: 'persist-worker', url: 'http://p', pid: 103 },
    { name: 'presence', kind: 'presence', url: 'http://pr', pid: 104 },
  ];

  function harness() {
    let now = 1_000_000;
    const texts = new Map<string, string>();
    const procs = new Map<number, ProcSample | null>();
    const poller = new MetricsPoller({
      services,
      now: () => now,
      originMs: now,
      fetchText: async (url) => {
        const t = texts.get(url);
        if (t === undefined) throw new Error('ECONNREFUSED');
        return t;
      },
      readProc: (pid) => procs.get(pid) ?? null,
    });
    return { poller, texts, procs, advance: (ms: number) => (now += ms) };
  }

  it('turns two scrapes into per-second rates, interval latency, CPU and memory', async () => {
    const h = harness();
    const gw = { conns: 5000, sent: 1000, delivered: 80_000, inbox: 900, group: 100, produced: 1000, fast: 1000, slow: 0 };
    h.texts.set('http://g1', gatewayText(gw));
    h.texts.set('http://g2', gatewayText(gw));
    h.texts.set('http://p', persistText(900, 400));
    h.texts.set('http://pr', presenceText(100, 10, 400));
    for (const pid of [101, 102, 103, 104]) h.procs.set(pid, { cpuTicks: 1000, rssBytes: 100 * 1024 * 1024 });

    const first = await h.poller.poll();
    // No rates from one scrape: only gauges and processes.
    expect(first.messages).toBeUndefined();
    expect(first.connections).toEqual({ open: 10_000, history: [10_000] });
    expect(first.cold).toEqual({ lag: 400 });
    expect(first.processes?.[0]).toMatchObject({ name: 'gateway-1', cpuPct: null, rssMB: 100, conns: 5000, health: 'healthy' });

    h.advance(2000);
    // gateway-1 over 2 s: +1204/s sends, +96,310/s deliveries, 99 fast + 1 slow latencies
    h.texts.set('http://g1', gatewayText({ ...gw, sent: 1000 + 2408, delivered: 80_000 + 192_620, inbox: 900 + 2200, group: 100 + 208, produced: 1000 + 2408, fast: 1000 + 99, slow: 1, members: 6 }));
    h.texts.set('http://p', persistText(900 + 2380, 312));
    h.texts.set('http://pr', presenceText(100 + 4200, 10 + 240, 400 + 16_800));
    h.procs.set(101, { cpuTicks: 1076, rssBytes: 212 * 1024 * 1024 });
    const u = await h.poller.poll();
    expect(u.messages).toMatchObject({ sentPerSec: 1204, deliveredPerSec: 96_310, history: [96_310] });
    expect(u.hot).toEqual({ publishesPerSec: 1204, inboxPerSec: 1100, groupPerSec: 104, memberChangesPerSec: 3 });
    expect(u.cold).toEqual({ producedPerSec: 1204, persistedPerSec: 1190, lag: 312 });
    expect(u.presence).toEqual({ eventsPerSec: 2100, redisWritesPerSec: 120, notificationsPerSec: 8400 });
    expect(u.latency!.p50).toBeCloseTo(1.0101, 3); // 50th of 100, inside (0, 2 ms]
    expect(u.latency!.p99).toBeCloseTo(2, 5); // 99th is the last fast one: the top of that bucket
    expect(u.latency!.p999).toBeCloseTo(45.2, 5); // 99.9th: into the slow bucket (2, 50 ms]
    expect(u.processes![0]).toMatchObject({ cpuPct: 38, rssMB: 212, conns: 5000 });
    expect(u.processes![1]).toMatchObject({ cpuPct: 0 });
    expect(u.processes![2]).toMatchObject({ name: 'persist', lag: 312, conns: null });
    expect(u.header).toEqual({ gateways: 2 });
    // it merges into a dashboard state the components can show
    const s = mergeDashboardState(emptyDashboardState(), u);
    expect(s.receipts).toEqual({ readsPerSec: 0, dbWritesPerSec: 0 });
    expect(s.hot.inboxPerSec).toBe(1100);
  });

  it('shows a killed process as killed and one that stops answering as unreachable', async () => {
    const h = harness();
    h.texts.set('http://g1', gatewayText({ conns: 1, sent: 0, delivered: 0, inbox: 0, group: 0, produced: 0, fast: 0, slow: 0 }));
    h.texts.set('http://g2', gatewayText({ conns: 2, sent: 0, delivered: 0, inbox: 0, group: 0, produced: 0, fast: 0, slow: 0 }));
    for (const pid of [101, 102, 103, 104]) h.procs.set(pid, { cpuTicks: 0, rssBytes: null });
    await h.poller.poll();
    h.advance(4000);
    h.procs.set(102, null); // kill -9 gateway-2
    const u = await h.poller.poll();
    expect(u.processes![1]).toEqual({ name: 'gateway-2', cpuPct: null, rssMB: null, conns: null, health: 'killed', note: 'gone at 00:00:04' });
    // persist and presence have processes but serve no /metrics here
    expect(u.processes![2]).toMatchObject({ name: 'persist', health: 'unreachable', cpuPct: 0 });
    expect(u.header).toEqual({ gateways: 1 });
    expect(u.connections!.open).toBe(1);
    h.advance(1000);
    // the moment it went stays put
    expect((await h.poller.poll()).processes![1]!.note).toBe('gone at 00:00:04');
  });

  it('treats counters that went down (a restarted process) as counting from zero', async () => {
    const h = harness();
    const base = { conns: 0, sent: 5000, delivered: 0, inbox: 0, group: 0, produced: 0, fast: 0, slow: 0 };
    h.texts.set('http://g1', gatewayText(base));
    h.procs.set(101, { cpuTicks: 0, rssBytes: null });
    await h.poller.poll();
    h.advance(1000);
    h.texts.set('http://g1', gatewayText({ ...base, sent: 30 }));
    expect((await h.poller.poll()).messages!.sentPerSec).toBe(30);
  });

  it('scrapes a real /metrics over HTTP and reads this process from /proc', async () => {
    const reg = createRegistry('gateway-1');
    gauge(reg, MetricNames.wsConnections, 'open').set(42);
    counter(reg, MetricNames.messagesSent, 'sent').inc(7);
    const server = http.createServer(async (_req, res) => {
      res.setHeader('content-type', reg.contentType);
      res.end(await reg.metrics());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const poller = new MetricsPoller({
        services: () => [
          { name: 'me', kind: 'gateway', url, pid: process.pid },
          { name: 'reused-pid', kind: 'gateway', url, pid: process.pid, marker: 'no-such-marker-in-cmdline' },
          { name: 'ghost', url: 'http://127.0.0.1:1', pid: 2 ** 22 + 17 },
        ],
      });
      const u = await poller.poll();
      expect(u.processes![0]).toMatchObject({ name: 'me', conns: 42, health: 'healthy' });
      expect(u.processes![0]!.rssMB).toBeGreaterThan(10);
      expect(u.processes![1]).toMatchObject({ name: 'reused-pid', health: 'killed' });
      expect(u.processes![2]).toMatchObject({ name: 'ghost', health: 'killed' });
      // burn a little CPU so the second scrape has something to measure
      const end = Date.now() + 150;
      while (Date.now() < end) Math.sqrt(Math.random());
      const v = await poller.poll();
      expect(v.processes![0]!.cpuPct).toBeGreaterThan(0);
      expect(v.messages).toBeDefined();
    } finally {
      server.close();
    }
  });

  it('gives the cold path its send→stored p99 and its CPU (Kafka, Cassandra, persist worker) per persisted message', async () => {
    let now = 1_000_000;
    const ticks = new Map<number, number>([[103, 0], [201, 0], [202, 0]]);
    let text = '';
    const poller = new MetricsPoller({
      services: [{ name: 'persist-worker', kind: 'persist-worker', url: 'http://p', pid: 103 }],
      coldProcesses: () => [{ name: 'kafka', pid: 201 }, { name: 'cassandra', pid: 202 }],
      now: () => now,
      fetchText: async () => text,
      readProc: (pid) => ({ cpuTicks: ticks.get(pid) ?? 0, rssBytes: 1 }),
    });
    const persist = (n: number, fast: number) =>
      [
        `chatlab_persisted_total ${n}`,
        `chatlab_persist_latency_seconds_bucket{le="0.1"} ${fast}`,
        `chatlab_persist_latency_seconds_bucket{le="0.5"} ${n}`,
        `chatlab_persist_latency_seconds_bucket{le="+Inf"} ${n}`,
      ].join('\n');
    text = persist(0, 0);
    await poller.poll();
    now += 1000;
    // 100 messages in a second, 10 of them slower than 100 ms; 10% + 5% + 5% of a core
    text = persist(100, 90);
    ticks.set(201, 10).set(202, 5).set(103, 5);
    const u = await poller.poll();
    expect(u.cold?.persistedPerSec).toBe(100);
    expect(u.cold?.cpuMsPerMessage).toBeCloseTo(2, 5); // 20% of a core = 200 ms/s over 100 msg/s
    expect(u.cold?.persistP99Ms).toBeGreaterThan(100);
    expect(u.cold?.persistP99Ms).toBeLessThanOrEqual(500);
  });

  it('gives the search indexer its indexed/s, its lag and send→searchable p99, and its lag on its process line', async () => {
    let now = 1_000_000;
    let text = '';
    const poller = new MetricsPoller({
      services: [{ name: 'indexer', kind: 'indexer', url: 'http://i', pid: 104 }],
      now: () => now,
      fetchText: async () => text,
      readProc: () => ({ cpuTicks: 0, rssBytes: 1 }),
    });
    const indexer = (n: number, fast: number, lag: number) =>
      [
        `chatlab_indexed_total ${n}`,
        `chatlab_indexer_lag ${lag}`,
        `chatlab_indexer_latency_seconds_bucket{le="1"} ${fast}`,
        `chatlab_indexer_latency_seconds_bucket{le="5"} ${n}`,
        `chatlab_indexer_latency_seconds_bucket{le="+Inf"} ${n}`,
      ].join('\n');
    text = indexer(0, 0, 7);
    expect((await poller.poll()).search).toEqual({ lag: 7 });
    now += 2000;
    text = indexer(80, 40, 3); // 40 of 80 took more than a second
    const u = await poller.poll();
    expect(u.search?.indexedPerSec).toBe(40);
    expect(u.search?.lag).toBe(3);
    expect(u.search?.searchableP99Ms).toBeGreaterThan(1000);
    expect(u.search?.searchableP99Ms).toBeLessThanOrEqual(5000);
    expect(u.processes?.[0]?.lag).toBe(3);
    // the persist worker's lag is not the indexer's
    expect(u.cold?.lag).toBeNull();
  });
});

/**
 * The cold path's cost: CPU of Kafka + Cassandra + the persist worker per message,
 * above what the same processes burn idle, in steady state, and send → stored latency.
 *
 *   node dist/bench/cold-path.js [--state-dir DIR] [--up] [--warm-s 120] [--window-s 30]
 *                                [--rates 100,1000] [--json] [--no-save]
 *
 * Order: warm at the first rate (JVMs compile, caches fill), then the idle window, then one
 * window per rate. Messages go through the gateways as clients send them (WebSocket `send` to
 * direct conversations), so Kafka sees the gateway producer's real request pattern.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { MetricNames, bucketDeltas, histogramBuckets, packageRoot, parsePrometheusText, quantileFromBuckets, signToken, sumMetric } from '../src/core/index.js';
import type { StackState } from '../src/stack/index.js';
import { sampleCpu, type PidGroups } from './fanout/cpu.js';
import { emit, f1, progress, saveEmitted, table, tablesToStderr } from './fanout/output.js';
import { loadStack, stopStartedStack } from './fanout/stack.js';
import { sleep } from './fanout/timing.js';

interface Options {
  stateDir: string;
  up: boolean;
  warmS: number;
  windowS: number;
  rates: number[];
  pairs: number;
  json: boolean;
  save: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { stateDir: process.env['CHATLAB_HOME'] ?? path.join(process.env['HOME'] ?? '.', '.chatlab'), up: false, warmS: 120, windowS: 30, rates: [100, 1000], pairs: 20, json: false, save: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => argv[++i] ?? '';
    if (a === '--state-dir') o.stateDir = v();
    else if (a === '--up') o.up = true;
    else if (a === '--warm-s') o.warmS = Number(v());
    else if (a === '--window-s') o.windowS = Number(v());
    else if (a === '--rates') o.rates = v().split(',').map(Number);
    else if (a === '--pairs') o.pairs = Number(v());
    else if (a === '--json') o.json = true;
    else if (a === '--no-save') o.save = false;
    else throw new Error(`unknown flag ${a}`);
  }
  if (o.rates.some((r) => !(r > 0)) || !(o.windowS > 0) || !(o.warmS >= 0) || !(o.pairs >= 1)) throw new Error('bad --rates, --window-s, --warm-s or --pairs');
  return o;
}

/**
 * The cold path as the cold-path goal counts it. The search indexer (a second consumer group on the same
 * topic) and OpenSearch are not in it; they get their own columns, and the indexer's fetches and
 * commits are in Kafka's figure all the same.
 */
const COLD = ['kafka', 'cassandra', 'persist-worker'] as const;

function pidGroups(state: StackState): PidGroups {
  const groups: PidGroups = {};
  for (const p of state.processes) if (p.pid) groups[p.name] = [p.pid];
  for (const s of state.services) if (s.pid) groups[s.name] = [s.pid];
  return groups;
}

/** Sender sockets, each with a direct conversation of its own (a send never waits for another's). */
async function connectSenders(state: StackState, pairs: number): Promise<Array<{ ws: WebSocket; conversationId: string }>> {
  const gateways = state.services.filter((s) => s.kind === 'gateway');
  const tag = `cp${Date.now().toString(36)}`;
  const out: Array<{ ws: WebSocket; conversationId: string }> = [];
  for (let i = 0; i < pairs; i++) {
    const [a, b] = [`${tag}a${i}`, `${tag}b${i}`];
    const gw = gateways[i % gateways.length]!;
    const res = await fetch(`${gw.url}/v1/conversations`, { method: 'POST', headers: { authorization: `Bearer ${signToken(a, state.secret)}` }, body: JSON.stringify({ members: [a, b] }) });
    if (res.status !== 201) throw new Error(`creating a conversation: HTTP ${res.status} ${await res.text()}`);
    const { conversationId } = (await res.json()) as { conversationId: string };
    const ws = new WebSocket(`${gw.url.replace(/^http/, 'ws')}/v1/ws?token=${signToken(a, state.secret)}`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    out.push({ ws, conversationId });
  }
  return out;
}

/**
 * Send → ack latencies (ms) of the window being measured: the producer's linger is paid here,
 * not in delivery (Redis first), so the table shows what each request saved costs the sender.
 */
const sentAt = new Map<string, number>();
let ackLatencies: number[] = [];
let acked = 0;

function onSenderFrame(d: Buffer): void {
  if (!d.includes('"ack"')) return;
  acked++;
  const f = JSON.parse(d.toString()) as { type: string; clientMsgId?: string };
  const t = f.type === 'ack' && f.clientMsgId !== undefined ? sentAt.get(f.clientMsgId) : undefined;
  if (t === undefined) return;
  sentAt.delete(f.clientMsgId!);
  ackLatencies.push(performance.now() - t);
}

function percentile(sorted: number[], q: number): number | null {
  return sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Open-model sender: message k goes out at t0 + k/rate, round robin over the senders. */
function startSending(senders: Array<{ ws: WebSocket; conversationId: string }>, rate: number): { sent(): number; stop(): void } {
  const t0 = Date.now();
  const body = 'x'.repeat(150);
  let k = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((Date.now() - t0) * rate) / 1000);
    for (; k < due; k++) {
      const s = senders[k % senders.length]!;
      const clientMsgId = `${rate}-${t0}-${k}`;
      sentAt.set(clientMsgId, performance.now());
      s.ws.send(JSON.stringify({ type: 'send', clientMsgId, conversationId: s.conversationId, body }));
    }
  }, 10);
  return { sent: () => k, stop: () => clearInterval(timer) };
}

async function scrape(url: string): Promise<ReturnType<typeof parsePrometheusText>> {
  return parsePrometheusText(await (await fetch(`${url}/metrics`)).text());
}

interface Window {
  label: string;
  rate: number;
  sent: number;
  cpuPct: Record<string, number>;
  persisted: number;
  dbRequests: number;
  produceRequests: number;
  storedP99Ms: number | null;
  ackP50Ms: number | null;
  ackP99Ms: number | null;
}

async function measure(state: StackState, groups: PidGroups, label: string, rate: number, windowS: number, sent: () => number): Promise<Window> {
  const persist = state.services.find((s) => s.kind === 'persist-worker')!;
  const gateways = state.services.filter((s) => s.kind === 'gateway');
  const gwSum = async (name: string) => (await Promise.all(gateways.map(async (g) => sumMetric(await scrape(g.url), name) ?? 0))).reduce((a, b) => a + b, 0);
  const p0 = await scrape(persist.url);
  const g0 = await gwSum(MetricNames.kafkaProduceRequests);
  const s0 = sent();
  const c0 = sampleCpu(groups);
  ackLatencies = [];
  const h0 = process.hrtime.bigint();
  await sleep(windowS * 1000);
  const c1 = sampleCpu(groups);
  const wallUs = Number(process.hrtime.bigint() - h0) / 1000;
  const s1 = sent();
  const p1 = await scrape(persist.url);
  const g1 = await gwSum(MetricNames.kafkaProduceRequests);
  const delta = (name: string) => (sumMetric(p1, name) ?? 0) - (sumMetric(p0, name) ?? 0);
  const buckets = bucketDeltas(histogramBuckets(p0, MetricNames.persistLatency), histogramBuckets(p1, MetricNames.persistLatency));
  const p99 = quantileFromBuckets(buckets, 0.99);
  const acks = ackLatencies.sort((a, b) => a - b);
  return {
    label,
    rate,
    sent: s1 - s0,
    cpuPct: Object.fromEntries(Object.keys(c1).map((k) => [k, ((c1[k]! - c0[k]!) / wallUs) * 100])),
    persisted: delta(MetricNames.persisted),
    dbRequests: delta(MetricNames.persistDbRequests),
    produceRequests: g1 - g0,
    storedP99Ms: p99 === null ? null : p99 * 1000,
    ackP50Ms: percentile(acks, 0.5),
    ackP99Ms: percentile(acks, 0.99),
  };
}

/** CPU ms per message of the cold path's processes above their idle burn. */
function coldMsPerMessage(w: Window, idle: Window, windowS: number): number {
  const abovePct = COLD.reduce((s, c) => s + (w.cpuPct[c] ?? 0) - (idle.cpuPct[c] ?? 0), 0);
  return ((abovePct / 100) * windowS * 1000) / Math.max(1, w.sent);
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const state = loadStack({ stateDir: o.stateDir, up: o.up, infra: 'native' });
  const groups = pidGroups(state);
  const loadAtStart = os.loadavg()[0]!;
  try {
    const senders = await connectSenders(state, o.pairs);
    for (const s of senders) s.ws.on('message', onSenderFrame);
    progress(`warming ${o.warmS} s at ${o.rates[0]} msg/s (steady state: JIT, caches, Kafka segments)`);
    let load = startSending(senders, o.rates[0]!);
    await sleep(o.warmS * 1000);
    load.stop();
    await sleep(5000);
    progress(`idle window ${o.windowS} s`);
    const idle = await measure(state, groups, 'idle', 0, o.windowS, () => 0);
    const windows: Window[] = [];
    for (const rate of o.rates) {
      load = startSending(senders, rate);
      await sleep(10_000);
      progress(`${rate} msg/s window ${o.windowS} s`);
      windows.push(await measure(state, groups, `${rate}/s`, rate, o.windowS, load.sent));
      load.stop();
      await sleep(5000);
    }
    for (const s of senders) s.ws.close();
    report(o, idle, windows, acked, [loadAtStart, os.loadavg()[0]!]);
  } finally {
    stopStartedStack();
  }
}

function report(o: Options, idle: Window, windows: Window[], acked: number, loadAverage: [number, number]): void {
  const rows = [idle, ...windows];
  const names = [...COLD, 'indexer', 'search', 'gateway-1', 'gateway-2', 'redis', 'other'];
  const result = {
    machine: { cores: os.cpus().length, node: process.version, loadAverage, contended: Math.max(...loadAverage) > 2.5 },
    idleCpuPercent: Object.fromEntries(COLD.map((c) => [c, idle.cpuPct[c] ?? 0])),
    idleColdCpuPercent: COLD.reduce((s, c) => s + (idle.cpuPct[c] ?? 0), 0),
    windows: windows.map((w) => ({
      rate: w.rate,
      sent: w.sent,
      persisted: w.persisted,
      cpuPercent: w.cpuPct,
      coldPathCpuMsPerMessage: coldMsPerMessage(w, idle, o.windowS),
      cassandraRequestsPerSec: w.dbRequests / o.windowS,
      kafkaProduceRequestsPerSec: w.produceRequests / o.windowS,
      sendToStoredP99Ms: w.storedP99Ms,
      sendToAckP50Ms: w.ackP50Ms,
      sendToAckP99Ms: w.ackP99Ms,
    })),
    acked,
  };
  // with --json the table still goes to stderr and its results file, the object to stdout
  if (o.json) tablesToStderr();
  emit(`# cold path: Kafka + Cassandra + persist worker, ${o.windowS} s windows after ${o.warmS} s warm`);
  emit();
  emit(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, Node ${process.version}`);
  emit(`load average (1 min) ${loadAverage.map((l) => l.toFixed(1)).join(' at start, ')} at end on ${result.machine.cores} cores${result.machine.contended ? ': CONTENDED (above 2.5), other processes shared the machine' : ''}`);
  emit();
  table(
    ['window', 'msg/s', ...names.map((n) => `${n} %`), 'cold ms/msg above idle', 'Cassandra req/s', 'produce req/s', 'send→ack p50 / p99 ms', 'send→stored p99 ms'],
    rows.map((w) => [
      w.label,
      f1(w.sent / o.windowS),
      ...names.map((n) => f1(w.cpuPct[n] ?? 0)),
      w === idle ? '—' : coldMsPerMessage(w, idle, o.windowS).toFixed(3),
      f1(w.dbRequests / o.windowS),
      f1(w.produceRequests / o.windowS),
      w.ackP50Ms === null ? '—' : `${f1(w.ackP50Ms)} / ${f1(w.ackP99Ms!)}`,
      w.storedP99Ms === null ? '—' : f1(w.storedP99Ms),
    ]),
  );
  emit();
  emit(`idle cold path: ${f1(result.idleColdCpuPercent)}% of a core (goal < 12%); goals: ≤ 0.3 ms/msg at 100 msg/s, ≤ 0.1 at 1000, send→stored p99 ≤ 1 s at 1000`);
  if (o.save) {
    const file = path.join(packageRoot(), 'bench', 'results', `cold-path-${new Date().toISOString().slice(0, 10)}.txt`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    saveEmitted(file);
    progress(`saved ${file}`);
  }
  if (o.json) process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  stopStartedStack();
  process.stderr.write(`cold-path: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

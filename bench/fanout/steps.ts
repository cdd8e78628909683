/**
 * The fan-out ladder: connect every user once, then for each offered rate run a step (open
 * model, from the load processes' timers), measure latency, loss and CPU per delivered frame,
 * and stop after the ladder has clearly failed (bench/README.md, step 3).
 */
import { createLatencyHistogram, type LatencySummary } from '../../src/core/index.js';
import type { ConnSpec, ConnectReply, FinishReply, SendReply, StatsReply } from '../fanout-load.js';
import { sampleCpu, waitQuiet, type PidGroups } from './cpu.js';
import { spawnLoad, stopLoad } from './load-procs.js';
import type { FanoutOptions } from './options.js';
import { ms, n0, pct, progress } from './output.js';
import { sinceEpoch, sleep, sleepUntil } from './timing.js';

export interface Group {
  conversationId: string;
  members: string[];
}

export interface Target {
  name: string;
  urls: string[];
  /** query per user (the baselines identify users by ?user=) */
  query: boolean;
  /** the Socket.IO baseline's wire (fanout-load.ts, ConnSpec.protocol) */
  protocol?: 'engineio';
  secret?: string;
  /** processes whose CPU is sampled, by name (the load processes are added as `load`) */
  cpu: PidGroups;
  /** CPU per delivered frame is reported for these sums of `cpu` names */
  frameCost: Array<{ label: string; keys: string[] }>;
  /** the `cpu` names that make the server side (serverCpuUsPerFrame) */
  server: string[];
  /** `--json`'s cpuUsPerFrame: component → `cpu` names */
  components: Record<string, string[]>;
}

export interface StepResult {
  rate: number;
  expectedFps: number;
  deliveredFps: number;
  latency: LatencySummary;
  /** CPU µs over the measured window, per name of Target.cpu, plus load, other and machine */
  cpuDeltaUs: Record<string, number>;
  windowFrames: number;
  cpuPct: Record<string, number>;
  sent: number;
  lost: number;
  errors: number;
  closes: string;
  clamped: number;
  maxLagMs: number;
  ok: boolean;
  /** runs of this step: > 1 when other processes were busy during the earlier window(s) */
  attempts: number;
  /** set when this row is the median (by p99) of that many runs */
  medianOf?: number;
}

export async function runFanout(target: Target, userIds: string[], groups: Group[], o: FanoutOptions): Promise<StepResult[]> {
  const procs = await spawnLoad(o.loadProcs, target.secret);
  const G = target.urls.length;
  const held: string[][] = procs.map(() => []);
  const specs: ConnSpec[][] = procs.map(() => []);
  userIds.forEach((u, i) => {
    const k = Math.floor(i / G) % procs.length;
    const base = target.urls[i % G]!;
    const url = target.query ? `${base}${base.includes('?') ? '&' : '?'}user=${encodeURIComponent(u)}` : base;
    specs[k]!.push({ user: u, url, ...(target.protocol ? { protocol: target.protocol } : {}) });
    held[k]!.push(u);
  });
  progress(`${target.name}: connecting ${userIds.length} clients over ${G} server(s) from ${procs.length} load process(es)`);
  const t0 = Date.now();
  const conn = await Promise.all(procs.map((p, k) => p.call<ConnectReply>({ cmd: 'connect', conns: specs[k]!, concurrency: Math.ceil(o.connectConcurrency / procs.length) })));
  const failed = conn.reduce((s, c) => s + c.failed, 0);
  if (failed > 0) throw new Error(`${target.name}: ${failed} connections failed, e.g. ${conn.find((c) => c.firstError)?.firstError}`);
  progress(`${target.name}: ${userIds.length} connected in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  await Promise.all(
    procs.map((p, k) => {
      const mine = new Set(held[k]);
      return p.call({ cmd: 'groups', groups: groups.map((g) => ({ conversationId: g.conversationId, senders: g.members.filter((m) => mine.has(m)) })) });
    }),
  );
  // every member of a group is connected once, and the sender's own socket gets the ack, not the message
  const recipientsPerMsg = o.groupSize - 1;

  const cpuGroups: PidGroups = { ...target.cpu, load: procs.map((p) => p.pid) };
  const results: StepResult[] = [];
  const runStep = async (step: number, rate: number, warmupMs = o.warmupMs, measureMs = o.measureMs): Promise<StepResult> => {
    const startAt = sinceEpoch() + 300;
    const sending = Promise.all(
      procs.map((p, k) =>
        p.call<SendReply>({ cmd: 'step', step, rate: rate / procs.length, phase: k / procs.length, startAt, warmupMs, measureMs, bodyBytes: o.bodyBytes }),
      ),
    );
    await sleepUntil(startAt + warmupMs);
    const c0 = sampleCpu(cpuGroups);
    const h0 = process.hrtime.bigint();
    await sleepUntil(startAt + warmupMs + measureMs);
    const c1 = sampleCpu(cpuGroups);
    const wallUs = Number(process.hrtime.bigint() - h0) / 1000;
    const sendReplies = await sending;
    const sent = sendReplies.reduce((s, r) => s + r.sent, 0);
    const expected = sent * recipientsPerMsg;
    const deadline = Date.now() + o.graceMs;
    for (;;) {
      const stats = await Promise.all(procs.map((p) => p.call<StatsReply>({ cmd: 'stats', step })));
      if (stats.reduce((s, r) => s + r.stepFrames, 0) >= expected || Date.now() >= deadline) break;
      await sleep(50);
    }
    const fin = await Promise.all(procs.map((p) => p.call<FinishReply>({ cmd: 'finish', step })));
    const hist = createLatencyHistogram();
    for (const f of fin) hist.merge(f.histogram);
    const windowFrames = fin.reduce((s, f) => s + f.windowFrames, 0);
    const stepFrames = fin.reduce((s, f) => s + f.stepFrames, 0);
    const errors = fin.reduce((s, f) => s + f.errorFrames, 0);
    const closeCodes: Record<string, number> = {};
    for (const f of fin) for (const [code, n] of Object.entries(f.closeCodes)) closeCodes[code] = (closeCodes[code] ?? 0) + n;
    const latency = hist.summary();
    const cpuDeltaUs: Record<string, number> = {};
    const cpuPct: Record<string, number> = {};
    for (const name of [...Object.keys(cpuGroups), 'other', 'machine']) {
      cpuDeltaUs[name] = c1[name]! - c0[name]!;
      cpuPct[name] = (cpuDeltaUs[name] / wallUs) * 100;
    }
    const lost = Math.max(0, expected - stepFrames);
    const closes = Object.entries(closeCodes)
      .map(([c, n]) => `${n}×${c}`)
      .join(' ');
    const ok = latency.count > 0 && latency.p99 < o.p99Limit && lost === 0 && errors === 0 && closes === '';
    const r: StepResult = {
      rate,
      expectedFps: rate * recipientsPerMsg,
      deliveredFps: measureMs > 0 ? windowFrames / (measureMs / 1000) : 0,
      latency,
      cpuDeltaUs,
      windowFrames,
      cpuPct,
      sent,
      lost,
      errors,
      closes,
      clamped: fin.reduce((s, f) => s + f.clamped, 0),
      maxLagMs: Math.max(...sendReplies.map((s) => s.maxLagMs)),
      ok,
      attempts: 1,
    };
    return r;
  };

  let step = 0;
  if (o.steadyS > 0) {
    // steady state: JIT, caches, Kafka segments and Cassandra memtables warm before anything counts
    progress(`${target.name}: warming ${o.steadyS} s at ${o.warmRate} msg/s (not measured)`);
    const w = await runStep(step++, o.warmRate, o.steadyS * 1000, 0);
    progress(`${target.name}: warm-up done (${w.lost > 0 ? `${w.lost} frames late or lost while warming` : 'nothing lost'})`);
  }
  let failedBefore = false;
  for (const rate of o.rates) {
    let r: StepResult;
    let attempts = 0;
    for (;;) {
      const quiet = await waitQuiet(cpuGroups, o);
      if (quiet.waitedMs > 1500) progress(`waited ${(quiet.waitedMs / 1000).toFixed(0)} s for other processes to quiet down (now ${pct(quiet.otherPct)})`);
      r = await runStep(step++, rate);
      r.attempts = ++attempts;
      if ((r.cpuPct['other'] ?? 0) <= o.noisyPct || attempts > o.retries) break;
      progress(`${target.name}: other processes used ${pct(r.cpuPct['other'] ?? 0)} CPU during that window (> ${o.noisyPct}%): running the step again`);
    }
    const prev = results[results.length - 1];
    if (!r.ok && o.confirm > 1 && (prev === undefined || prev.ok)) {
      // the first failure decides where the ladder ends: take the median of several runs, not one
      progress(`${target.name}: ${rate} msg/s failed (p99 ${ms(r.latency.p99)} ms) after a passing step: median of ${o.confirm} runs decides`);
      const runs = [r];
      while (runs.length < o.confirm) {
        await waitQuiet(cpuGroups, o);
        const again = await runStep(step++, rate);
        progress(`${target.name}: ${rate} msg/s again: p99 ${ms(again.latency.p99)} ms ${again.ok ? 'ok' : 'FAIL'}`);
        runs.push(again);
      }
      runs.sort((a, b) => a.latency.p99 - b.latency.p99);
      r = runs[Math.floor((runs.length - 1) / 2)]!;
      r.medianOf = runs.length;
    }
    results.push(r);
    progress(
      `${target.name}: ${rate} msg/s → ${n0(r.deliveredFps)} frames/s, p50 ${ms(r.latency.p50)} p99 ${ms(r.latency.p99)} p99.9 ${ms(r.latency.p999)} max ${ms(r.latency.max)} ms` +
        `, ${Object.entries(r.cpuPct)
          .map(([k, v]) => `${k} ${pct(v)}`)
          .join(' ')}, timer lag ≤${ms(r.maxLagMs)} ms${r.lost ? `, lost ${r.lost}` : ''}${r.errors ? `, ${r.errors} error frames` : ''}${r.closes ? `, closed ${r.closes}` : ''} ${r.ok ? 'ok' : 'FAIL'}`,
    );
    if (!r.ok && (failedBefore || r.lost > 0 || r.closes !== '' || r.latency.p99 > 10 * o.p99Limit)) break;
    failedBefore = !r.ok;
  }
  await stopLoad(procs);
  return results;
}

export function perFrame(r: StepResult, keys: string[]): number {
  return r.windowFrames > 0 ? keys.reduce((s, k) => s + (r.cpuDeltaUs[k] ?? 0), 0) / r.windowFrames : 0;
}

export function best(results: StepResult[]): StepResult | undefined {
  return results.filter((r) => r.ok).sort((a, b) => b.deliveredFps - a.deliveredFps)[0];
}

/**
 * What the scenarios' load workers cost (goal 4 of bench/goals.ts): `--clients` simulated clients
 * (src/client/sim-client.ts in src/scenario/load workers, exactly as scenarios run them)
 * connect to the stack's gateways at `--ramp` arrivals a second, then are held. Prints the
 * workers' CPU while ramping (% of one core, all workers together, /proc utime+stime over the
 * ramp) and their RSS once every client is held (VmRSS summed), plus the held (idle) CPU.
 * Goals: 20,000 held in ≤ 250 MB total RSS; ≤ 15% of a core while ramping 250 arrivals/s.
 *
 *   npm run build && node dist/bench/load-workers.js --state-dir /tmp/chatlab-bench [--json]
 *
 * Flags: --clients N (20000), --ramp R (250 arrivals/s), --per-worker N (10000: the open-files
 * limit is 20,000 per process), --conversations C (2 per client, ids only), --held-s S (10),
 * --server gateways|ws (gateways: the stack's; ws: two plain `ws` servers the bench forks, so the
 * load side is measured without the gateways' own limits — no stack needed), --up, --json, --no-save.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot, readMachineBusyUs, readProcessCpuUs, readRssBytes, signToken } from '../src/core/index.js';
import { LoadPool } from '../src/scenario/index.js';
import { emit, f1, n0, progress, saveEmitted, table, tablesToStderr } from './fanout/output.js';
import { startBaseline, stopBaseline } from './fanout/baseline.js';
import { loadStack, stopStartedStack } from './fanout/stack.js';
import { stackPids } from './fanout/systems.js';
import { sleep } from './fanout/timing.js';

interface Options {
  stateDir: string;
  up: boolean;
  clients: number;
  ramp: number;
  perWorker: number;
  conversations: number;
  heldS: number;
  server: 'gateways' | 'ws';
  json: boolean;
  save: boolean;
}

function parse(argv: string[]): Options {
  const o: Options = { stateDir: process.env['CHATLAB_HOME'] ?? path.join(os.homedir(), '.chatlab'), up: false, clients: 20_000, ramp: 250, perWorker: 10_000, conversations: 2, heldS: 10, server: 'gateways', json: false, save: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${a}: a positive number, not ${argv[i]}`);
      return v;
    };
    if (a === '--state-dir') o.stateDir = path.resolve(argv[++i] ?? '');
    else if (a === '--up') o.up = true;
    else if (a === '--clients') o.clients = num();
    else if (a === '--ramp') o.ramp = num();
    else if (a === '--per-worker') o.perWorker = Math.min(19_000, num());
    else if (a === '--conversations') o.conversations = num();
    else if (a === '--held-s') o.heldS = num();
    else if (a === '--server') {
      const v = argv[++i];
      if (v !== 'gateways' && v !== 'ws') throw new Error('--server: gateways or ws');
      o.server = v;
    } else if (a === '--json') o.json = true;
    else if (a === '--no-save') o.save = false;
    else throw new Error(`unknown flag ${a}`);
  }
  return o;
}

const cpuUs = (pids: number[]) => pids.reduce((s, p) => s + (readProcessCpuUs(p) ?? 0), 0);
const rssMb = (pids: number[]) => pids.reduce((s, p) => s + (readRssBytes(p) ?? 0), 0) / 2 ** 20;

async function main(o: Options): Promise<void> {
  if (o.json) tablesToStderr();
  let gateways: string[];
  let secret = 'unused-by-plain-ws';
  /** The server side's processes: what they burn during the ramp is the workload, not contention. */
  let serverPids: number[] = [];
  if (o.server === 'ws') {
    // two processes: 20,000 sockets would pass one process's open-files limit
    const servers = await Promise.all([startBaseline('ws', []), startBaseline('ws', [])]);
    gateways = servers.map((s) => s.urls[0]!.replace(/^ws/, 'http').replace(/\/v1\/ws$/, ''));
    serverPids = servers.flatMap((s) => s.pids);
  } else {
    const state = loadStack({ stateDir: o.stateDir, up: o.up, infra: 'native' });
    gateways = state.services.filter((s) => s.kind === 'gateway').map((s) => s.url);
    secret = state.secret;
    serverPids = Object.values(stackPids(state)).flat();
  }
  const workers = Math.ceil(o.clients / o.perWorker);
  const tag = `lw${Date.now().toString(36)}`;
  const clients = Array.from({ length: o.clients }, (_, i) => ({
    userId: `${tag}-${i}`,
    token: signToken(`${tag}-${i}`, secret, { ttlSec: 3600 }),
    conversations: Array.from({ length: o.conversations }, (_, k) => `${tag}-c${(i + k) % 1000}`),
    gatewayIndex: i % gateways.length,
  }));
  progress(`forking ${workers} load workers for ${n0(o.clients)} clients over ${gateways.length} gateways`);
  const pool = await LoadPool.start({
    gateways,
    clients,
    workers,
    backoff: { policy: 'full-jitter', minMs: 500, maxMs: 10_000 },
    seed: 1,
    recordHistory: false,
    bodyBytes: 150,
  });
  try {
    const pids = pool.pids;
    await sleep(1000);
    const rssBefore = rssMb(pids);
    progress(`ramping ${n0(o.clients)} arrivals at ${o.ramp}/s (~${Math.round(o.clients / o.ramp)} s)`);
    const c0 = cpuUs(pids);
    const s0 = cpuUs(serverPids);
    const m0 = readMachineBusyUs() ?? 0;
    const t0 = process.hrtime.bigint();
    // each worker ramps its share at its share of the rate
    await pool.all({ type: 'connect', perSecond: o.ramp / workers });
    const rampUs = Number(process.hrtime.bigint() - t0) / 1000;
    const rampCpuPct = ((cpuUs(pids) - c0) / rampUs) * 100;
    const machinePct = (((readMachineBusyUs() ?? 0) - m0) / rampUs) * 100;
    const serverPct = ((cpuUs(serverPids) - s0) / rampUs) * 100;
    const connected = pool.latest()?.totals.connected ?? 0;
    progress(`ramp done in ${(rampUs / 1e6).toFixed(1)} s; holding ${o.heldS} s`);
    await sleep(2000);
    const h0 = cpuUs(pids);
    const ht0 = process.hrtime.bigint();
    await sleep(o.heldS * 1000);
    const heldCpuPct = ((cpuUs(pids) - h0) / (Number(process.hrtime.bigint() - ht0) / 1000)) * 100;
    const held = pool.latest()?.totals.connected ?? 0;
    const rss = rssMb(pids);
    const perConnKb = held > 0 ? ((rss - rssBefore) * 1024) / held : 0;
    // what neither the workers nor the servers they load used: other processes on the machine
    const otherPct = machinePct - rampCpuPct - serverPct;
    const contended = otherPct > 40;
    const result = {
      clients: o.clients,
      workers,
      rampPerSec: o.ramp,
      rampSeconds: Math.round(rampUs / 1e5) / 10,
      rampCpuPercent: Math.round(rampCpuPct * 10) / 10,
      held,
      rssMb: Math.round(rss),
      rssBeforeMb: Math.round(rssBefore),
      rssKbPerConnection: Math.round(perConnKb * 10) / 10,
      heldCpuPercent: Math.round(heldCpuPct * 10) / 10,
      machineCpuPercentDuringRamp: Math.round(machinePct),
      serverCpuPercentDuringRamp: Math.round(serverPct),
      contended,
      goals: { rssMb: 250, rampCpuPercent: 15 },
    };
    emit(`# load workers — ${new Date().toISOString()}`);
    emit();
    emit(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, Node ${process.version}; ${gateways.length} chatlab gateways; ${workers} load worker(s), ${n0(o.clients)} clients, ${o.conversations} conversations each, heartbeat every 5 s (as scenarios); server: ${o.server === 'ws' ? 'two plain ws processes' : 'the stack’s gateways'}`);
    if (contended) emit(`**contended**: the machine was ${Math.round(machinePct)}% busy of ${os.cpus().length * 100}% during the ramp, ${Math.round(otherPct)}% of it neither the workers nor the servers`);
    emit();
    table(
      ['clients', 'workers', 'ramp /s', 'ramp s', 'ramp cpu % (goal ≤ 15)', 'held', 'RSS MB (goal ≤ 250)', 'KB/conn', 'held cpu %'],
      [[n0(o.clients), String(workers), n0(o.ramp), f1(result.rampSeconds), f1(rampCpuPct), n0(held), n0(rss), f1(perConnKb), f1(heldCpuPct)]],
    );
    emit();
    emit(`(RSS: VmRSS of the worker processes summed, ${n0(rssBefore)} MB before connecting; CPU: utime+stime of the workers over the ramp / the held window, % of one core; ${connected} connected at the end of the ramp)`);
    if (o.save) {
      const file = path.join(packageRoot(), 'bench', 'results', `load-workers-${new Date().toISOString().slice(0, 10)}${contended ? '-contended' : ''}.txt`);
      saveEmitted(file);
      progress(`saved ${file}`);
    }
    if (o.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await pool.stop();
    await stopBaseline();
  }
}

try {
  await main(parse(process.argv.slice(2)));
} catch (err) {
  process.stderr.write(`load-workers bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
} finally {
  stopStartedStack();
}

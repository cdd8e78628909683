/**
 * The four performance goals in one command and one table: runs the cold-path bench, the fan-out
 * bench (chatlab with group and with inbox routing, Socket.IO + redis-adapter, plain ws) and the
 * load-workers bench on one stack, back to back, each with --json, and prints
 *
 *   goal | target | measured | met
 *
 * Each bench also writes its own tables to bench/results/; this one writes
 * bench/results/goals-<date>[-contended].txt.
 *
 *   npm run build && node dist/bench/goals.js --up --state-dir /tmp/chatlab-goals    (~20 min)
 *
 * Flags: --state-dir DIR, --up (start a stack if none runs there, and down it at the end),
 * --skip cold,fanout,load (leave parts out), --quick (shorter warm-ups and windows: a smoke run,
 * not a measurement), --fanout-args "…" (extra flags for fanout.js).
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../src/core/index.js';
import { emit, progress, saveEmitted, table } from './fanout/output.js';
import { loadStack, stopStartedStack } from './fanout/stack.js';

const here = path.dirname(fileURLToPath(import.meta.url));

interface Options {
  stateDir: string;
  up: boolean;
  skip: string[];
  quick: boolean;
  fanoutArgs: string[];
}

function parse(argv: string[]): Options {
  const o: Options = { stateDir: process.env['CHATLAB_HOME'] ?? path.join(os.homedir(), '.chatlab'), up: false, skip: [], quick: false, fanoutArgs: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--state-dir') o.stateDir = path.resolve(argv[++i] ?? '');
    else if (a === '--up') o.up = true;
    else if (a === '--skip') o.skip = (argv[++i] ?? '').split(',');
    else if (a === '--quick') o.quick = true;
    else if (a === '--fanout-args') o.fanoutArgs = (argv[++i] ?? '').split(' ').filter(Boolean);
    else throw new Error(`unknown flag ${a} (flags: --state-dir, --up, --skip, --quick, --fanout-args)`);
  }
  return o;
}

/** Runs one bench with --json: its tables go to our stderr, its one JSON line is returned. */
function runJson<T>(script: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    progress(`running ${script} ${args.join(' ')}`);
    const child = spawn(process.execPath, [path.join(here, script), ...args, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`${script} exited with ${code}`));
      try {
        resolve(JSON.parse(line) as T);
      } catch {
        reject(new Error(`${script} printed no JSON: ${line.slice(0, 200)}`));
      }
    });
  });
}

interface ColdJson {
  idleColdCpuPercent: number;
  windows: Array<{ rate: number; coldPathCpuMsPerMessage: number; sendToStoredP99Ms: number | null }>;
}
interface FanoutJson {
  machine: { contended: boolean; otherCpuPercentIdle: number };
  systems: Array<{ name: string; routing?: string; framesPerSec: number; p99Ms: number | null; cpuUsPerFrame: Record<string, number> }>;
  ratios: { chatlabVsSocketio: number | null; chatlabVsWs: number | null };
}
interface LoadJson {
  clients: number;
  held: number;
  rssMb: number;
  rampCpuPercent: number;
  rampPerSec: number;
  contended: boolean;
}

const fmt = (x: number | null | undefined, d = 1) => (x === null || x === undefined ? 'n/a' : x.toFixed(d));
const met = (ok: boolean | undefined) => (ok === undefined ? '—' : ok ? 'yes' : 'NO');

async function main(o: Options): Promise<void> {
  loadStack({ stateDir: o.stateDir, up: o.up, infra: 'native' });
  const common = ['--state-dir', o.stateDir];
  const t0 = Date.now();
  const cold = o.skip.includes('cold') ? undefined : await runJson<ColdJson>('cold-path.js', [...common, ...(o.quick ? ['--warm-s', '20', '--window-s', '10'] : [])]);
  const fanout = o.skip.includes('fanout')
    ? undefined
    : await runJson<FanoutJson>('fanout.js', [...common, '--skip-idle', ...(o.quick ? ['--steady-s', '5', '--rates', '100,300,1000', '--confirm', '1'] : []), ...o.fanoutArgs]);
  const load = o.skip.includes('load') ? undefined : await runJson<LoadJson>('load-workers.js', [...common, ...(o.quick ? ['--clients', '2000'] : [])]);

  const c100 = cold?.windows.find((w) => w.rate === 100);
  const c1000 = cold?.windows.find((w) => w.rate === 1000);
  const sys = (name: string, routing?: string) => fanout?.systems.find((s) => s.name === name && (routing === undefined || s.routing === routing));
  const group = sys('chatlab', 'group');
  const inbox = sys('chatlab', 'inbox');
  const gw = (s: typeof group) => s?.cpuUsPerFrame['gateways'];
  const inboxWithRedis = inbox ? (inbox.cpuUsPerFrame['gateways'] ?? 0) + (inbox.cpuUsPerFrame['redis'] ?? 0) : undefined;
  const ratio = fanout?.ratios.chatlabVsSocketio ?? null;
  const contended = !!fanout?.machine.contended || !!load?.contended;

  emit(`# goals — ${new Date().toISOString()}${contended ? ' — CONTENDED (other processes were busy: not this machine’s best)' : ''}`);
  emit();
  emit(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; took ${Math.round((Date.now() - t0) / 60_000)} min${o.quick ? '; --quick (smoke run, not a measurement)' : ''}`);
  emit();
  const rows: string[][] = [];
  if (cold) {
    rows.push(['1 cold path CPU/msg above idle, 100 msg/s', '≤ 0.3 ms', `${fmt(c100?.coldPathCpuMsPerMessage, 3)} ms`, met(c100 ? c100.coldPathCpuMsPerMessage <= 0.3 : undefined)]);
    rows.push(['1 cold path CPU/msg above idle, 1,000 msg/s', '≤ 0.1 ms', `${fmt(c1000?.coldPathCpuMsPerMessage, 3)} ms`, met(c1000 ? c1000.coldPathCpuMsPerMessage <= 0.1 : undefined)]);
    rows.push(['1 idle cold path (Kafka + Cassandra + persist)', '< 12% of a core', `${fmt(cold.idleColdCpuPercent)}%`, met(cold.idleColdCpuPercent < 12)]);
    rows.push(['1 send → stored p99 at 1,000 msg/s', '≤ 1,000 ms', `${fmt(c1000?.sendToStoredP99Ms, 0)} ms`, met(c1000?.sendToStoredP99Ms != null ? c1000.sendToStoredP99Ms <= 1000 : undefined)]);
  }
  if (fanout) {
    rows.push(['2 gateway CPU per delivered frame, group routing', '≤ 10 µs', `${fmt(gw(group))} µs (at ${group?.framesPerSec ?? 0} frames/s)`, met(gw(group) !== undefined ? gw(group)! <= 10 : undefined)]);
    rows.push(['2 gateway + Redis CPU per delivered frame, inbox routing', '≤ 14 µs', `${fmt(inboxWithRedis)} µs (gateways ${fmt(gw(inbox))} + Redis ${fmt(inbox?.cpuUsPerFrame['redis'])}, at ${inbox?.framesPerSec ?? 0} frames/s)`, met(inboxWithRedis !== undefined && gw(inbox) !== undefined ? inboxWithRedis <= 14 : undefined)]);
    rows.push([
      '3 chatlab / Socket.IO frames/s at p99 < 50 ms',
      '≥ 1.3×',
      `${ratio === null ? 'n/a' : `${ratio.toFixed(2)}×`} (chatlab best ${Math.max(group?.framesPerSec ?? 0, inbox?.framesPerSec ?? 0)}, Socket.IO ${sys('socketio')?.framesPerSec ?? 0}, plain ws ${sys('ws')?.framesPerSec ?? 0})`,
      met(ratio === null ? undefined : ratio >= 1.3),
    ]);
  }
  if (load) {
    rows.push([`4 load workers: RSS holding ${load.clients.toLocaleString('en-US')}`, '≤ 250 MB (20,000)', `${load.rssMb} MB (${load.held} held)`, met(load.clients >= 20_000 ? load.rssMb <= 250 && load.held === load.clients : undefined)]);
    rows.push([`4 load workers: CPU while ramping ${load.rampPerSec} arrivals/s`, '≤ 15% of a core', `${fmt(load.rampCpuPercent)}%`, met(load.rampCpuPercent <= 15)]);
  }
  table(['goal', 'target', 'measured', 'met'], rows);
  emit();
  emit('(each bench’s own tables: bench/results/cold-path-*, fanout-*, load-workers-*; cold path from bench/cold-path.ts, gateways and ratio from bench/fanout.ts best steps, load workers from bench/load-workers.ts)');
  const file = path.join(packageRoot(), 'bench', 'results', `goals-${new Date().toISOString().slice(0, 10)}${contended ? '-contended' : ''}.txt`);
  saveEmitted(file);
  progress(`saved ${file}`);
}

try {
  await main(parse(process.argv.slice(2)));
} catch (err) {
  process.stderr.write(`goals bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
} finally {
  stopStartedStack();
}

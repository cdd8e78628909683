/**
 * The systems the fan-out bench compares, as Targets for the ladder (steps.ts), and what each
 * result becomes in `--json`: chatlab (once per routing), Socket.IO + redis-adapter, plain ws.
 */
import type { StackState } from '../../src/stack/index.js';
import type { BaselineServers } from './baseline.js';
import { best, perFrame, type StepResult, type Target } from './steps.js';

export type SystemName = 'chatlab' | 'socketio' | 'ws';

export interface SystemRun {
  name: SystemName;
  routing?: string;
  target: Target;
  results: StepResult[];
  /** % of a core the chatlab stack burnt idle (all its processes), measured before the runs */
  idleCpuPercent?: number;
  /** idle % of a core of Kafka + Cassandra + persist worker, for the cold path above idle */
  idleColdPercent?: number;
}

export interface SystemJson {
  name: SystemName;
  routing?: string;
  framesPerSec: number;
  p50Ms: number | null;
  p99Ms: number | null;
  lost: number;
  serverCpuUsPerFrame: number | null;
  cpuUsPerFrame: Record<string, number>;
  coldPathCpuMsPerMessage?: number;
  idleCpuPercent?: number;
}

const COLD = ['kafka', 'cassandra', 'persist-worker'];

function wsUrl(httpUrl: string): string {
  return `${httpUrl.replace(/^http/, 'ws')}/v1/ws`;
}

/** Every stack process by name (infra and services). */
export function stackPids(state: StackState): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const p of state.processes) if (p.pid) out[p.name] = [p.pid];
  for (const s of state.services) if (s.pid) out[s.name] = [s.pid];
  return out;
}

export function chatlabTarget(state: StackState, routing: string | undefined): Target {
  const gateways = state.services.filter((s) => s.kind === 'gateway');
  if (gateways.length === 0) throw new Error('the stack has no gateways');
  const pids = stackPids(state);
  const others = Object.keys(pids).filter((k) => !k.startsWith('gateway') && k !== 'redis' && !COLD.includes(k));
  return {
    name: routing ? `chatlab (${routing})` : 'chatlab',
    urls: gateways.map((g) => wsUrl(g.url)),
    query: false,
    secret: state.secret,
    cpu: pids,
    frameCost: [
      { label: 'gateways', keys: gateways.map((g) => g.name) },
      { label: 'redis', keys: ['redis'] },
      { label: 'kafka+cassandra+persist', keys: COLD },
      { label: 'other services', keys: others },
    ],
    server: [...gateways.map((g) => g.name), 'redis'],
    components: {
      gateways: gateways.map((g) => g.name),
      redis: ['redis'],
      ...Object.fromEntries(Object.keys(pids).filter((k) => !k.startsWith('gateway') && k !== 'redis').map((k) => [k, [k]])),
    },
  };
}

/** A baseline's servers; the idle chatlab stack is sampled as `chatlab idle` so it is not `other`. */
export function baselineTarget(servers: BaselineServers, state: StackState): Target {
  const names = servers.pids.map((_, i) => (servers.kind === 'ws' ? 'server' : `socketio-${i + 1}`));
  const pids = stackPids(state);
  const stackIdle = Object.entries(pids)
    .filter(([k]) => servers.kind === 'ws' || k !== 'redis')
    .flatMap(([, p]) => p);
  const cpu: Record<string, number[]> = Object.fromEntries(names.map((n, i) => [n, [servers.pids[i]!]]));
  if (servers.kind === 'socketio') cpu['redis'] = pids['redis'] ?? [];
  cpu['chatlab idle'] = stackIdle;
  const server = servers.kind === 'socketio' ? [...names, 'redis'] : names;
  return {
    name: servers.kind === 'ws' ? 'plain ws' : `Socket.IO + redis-adapter (${names.length} processes)`,
    urls: servers.urls,
    query: true,
    ...(servers.kind === 'socketio' ? { protocol: 'engineio' as const } : {}),
    cpu,
    frameCost: [{ label: servers.kind === 'ws' ? 'server' : 'servers', keys: names }, ...(servers.kind === 'socketio' ? [{ label: 'redis', keys: ['redis'] }] : [])],
    server,
    components: servers.kind === 'socketio' ? { servers: names, redis: ['redis'] } : { server: names },
  };
}

/** Cold-path CPU above idle per message at the 100 msg/s step (the cold-path goal's definition), if there is one. */
function coldPathMsPerMessage(run: SystemRun, recipientsPerMsg: number, measureMs: number): number | undefined {
  const r = run.results.find((x) => x.rate === 100);
  if (!r || run.idleColdPercent === undefined || r.windowFrames === 0) return undefined;
  const messages = r.windowFrames / recipientsPerMsg;
  const idleUs = (run.idleColdPercent / 100) * measureMs * 1000;
  const usedUs = COLD.reduce((s, k) => s + (r.cpuDeltaUs[k] ?? 0), 0);
  return Math.max(0, usedUs - idleUs) / messages / 1000;
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

export function systemJson(run: SystemRun, recipientsPerMsg: number, measureMs: number): SystemJson {
  const b = best(run.results);
  const lostAll = run.results.reduce((s, r) => s + r.lost, 0);
  const cpuUsPerFrame: Record<string, number> = {};
  if (b) {
    for (const [label, keys] of Object.entries(run.target.components)) cpuUsPerFrame[label] = round(perFrame(b, keys), 2);
    cpuUsPerFrame['load'] = round(perFrame(b, ['load']), 2);
  }
  const cold = run.name === 'chatlab' ? coldPathMsPerMessage(run, recipientsPerMsg, measureMs) : undefined;
  return {
    name: run.name,
    ...(run.routing ? { routing: run.routing } : {}),
    framesPerSec: b ? Math.round(b.deliveredFps) : 0,
    p50Ms: b ? round(b.latency.p50, 2) : null,
    p99Ms: b ? round(b.latency.p99, 2) : null,
    lost: b ? b.lost : lostAll,
    serverCpuUsPerFrame: b ? round(perFrame(b, run.target.server), 2) : null,
    cpuUsPerFrame,
    ...(cold !== undefined ? { coldPathCpuMsPerMessage: round(cold, 3) } : {}),
    ...(run.idleCpuPercent !== undefined ? { idleCpuPercent: round(run.idleCpuPercent) } : {}),
  };
}

/** The fan-out bench's flags (bench/README.md lists them), parsed and checked once. */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultStateDir } from '../../src/core/index.js';

export interface FanoutOptions {
  stateDir: string;
  up: boolean;
  infra: string;
  users: number;
  groupCount: number;
  groupSize: number;
  bodyBytes: number;
  rates: number[];
  warmupMs: number;
  measureMs: number;
  graceMs: number;
  pauseMs: number;
  p99Limit: number;
  loadProcs: number;
  idleLevels: number[];
  idlePerProc: number;
  connsPerIp: number;
  connectConcurrency: number;
  quietPct: number;
  quietWaitS: number;
  noisyPct: number;
  retries: number;
  confirm: number;
  skipFanout: boolean;
  skipIdle: boolean;
  skipBaseline: boolean;
  /** which systems run, in this order */
  systems: Array<'chatlab' | 'socketio' | 'ws'>;
  /** chatlab runs once per routing (gateways restarted with it); [] = as the stack runs */
  routings: Array<'group' | 'inbox' | 'hybrid'>;
  /** steady state: each system is warmed this long at warmRate before its ladder */
  steadyS: number;
  warmRate: number;
  /** Socket.IO server processes */
  socketioProcs: number;
  /** idle CPU of the stack measured over this long first */
  idleCpuS: number;
  json: boolean;
  profileDir?: string;
  out?: string;
  save: boolean;
}

/** `help` when --help was given: the caller prints the README. */
export function parseFanoutOptions(args: string[]): FanoutOptions | 'help' {
  const { values: flags } = parseArgs({
    args,
    options: {
      'state-dir': { type: 'string' },
      up: { type: 'boolean', default: false },
      infra: { type: 'string', default: 'native' },
      users: { type: 'string', default: '2000' },
      groups: { type: 'string', default: '20x100' },
      body: { type: 'string', default: '150' },
      rates: { type: 'string', default: '20,40,60,80,100,150,200,300,400,500,600,800,1000,1200,1500,2000' },
      'warmup-ms': { type: 'string', default: '1000' },
      'measure-ms': { type: 'string', default: '4000' },
      'grace-ms': { type: 'string', default: '3000' },
      'pause-ms': { type: 'string', default: '1000' },
      'p99-ms': { type: 'string', default: '50' },
      'load-procs': { type: 'string', default: '1' },
      idle: { type: 'string', default: '2000,10000,20000' },
      'idle-per-proc': { type: 'string', default: '10000' },
      'conns-per-ip': { type: 'string', default: '10000' },
      'connect-concurrency': { type: 'string', default: '200' },
      'quiet-pct': { type: 'string', default: '25' },
      'quiet-wait-s': { type: 'string', default: '30' },
      'noisy-pct': { type: 'string', default: '50' },
      retries: { type: 'string', default: '1' },
      confirm: { type: 'string', default: '3' },
      'skip-fanout': { type: 'boolean', default: false },
      'skip-idle': { type: 'boolean', default: false },
      'skip-baseline': { type: 'boolean', default: false },
      systems: { type: 'string', default: 'chatlab,socketio,ws' },
      routing: { type: 'string', default: 'group,inbox' },
      'steady-s': { type: 'string', default: '30' },
      'warm-rate': { type: 'string', default: '100' },
      'socketio-procs': { type: 'string', default: '2' },
      'idle-cpu-s': { type: 'string', default: '10' },
      json: { type: 'boolean', default: false },
      'profile-dir': { type: 'string' },
      out: { type: 'string' },
      'no-save': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (flags.help) return 'help';

  const int = (name: keyof typeof flags): number => {
    const v = Number(flags[name]);
    if (!Number.isFinite(v) || v < 0) throw new Error(`--${name}: not a number: ${String(flags[name])}`);
    return v;
  };
  const list = (s: string): number[] => s.split(',').filter(Boolean).map((x) => Number(x.trim()));
  const groupSpec = /^(\d+)x(\d+)$/.exec(flags.groups!);
  if (!groupSpec) throw new Error('--groups: COUNTxSIZE, e.g. 20x100');
  const names = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);
  const systems = names(flags.systems!).filter((x) => !(flags['skip-baseline'] && x !== 'chatlab'));
  for (const x of systems) if (!['chatlab', 'socketio', 'ws'].includes(x)) throw new Error(`--systems: chatlab, socketio or ws, not ${x}`);
  const routings = names(flags.routing!);
  for (const x of routings) if (!['group', 'inbox', 'hybrid'].includes(x)) throw new Error(`--routing: group, inbox or hybrid, not ${x}`);

  return {
    stateDir: path.resolve(flags['state-dir'] ?? defaultStateDir()),
    up: flags.up!,
    infra: flags.infra!,
    users: int('users'),
    groupCount: Number(groupSpec[1]),
    groupSize: Number(groupSpec[2]),
    bodyBytes: Math.max(24, int('body')),
    rates: list(flags.rates!).sort((a, b) => a - b),
    warmupMs: int('warmup-ms'),
    measureMs: int('measure-ms'),
    graceMs: int('grace-ms'),
    pauseMs: int('pause-ms'),
    p99Limit: int('p99-ms'),
    loadProcs: Math.max(1, int('load-procs')),
    idleLevels: list(flags.idle!).sort((a, b) => a - b),
    idlePerProc: Math.max(1, int('idle-per-proc')),
    connsPerIp: Math.max(1, int('conns-per-ip')),
    connectConcurrency: Math.max(1, int('connect-concurrency')),
    quietPct: int('quiet-pct'),
    quietWaitS: int('quiet-wait-s'),
    noisyPct: int('noisy-pct'),
    retries: int('retries'),
    confirm: Math.max(1, int('confirm')),
    skipFanout: flags['skip-fanout']!,
    skipIdle: flags['skip-idle']!,
    skipBaseline: flags['skip-baseline']!,
    systems: systems as FanoutOptions['systems'],
    routings: routings as FanoutOptions['routings'],
    steadyS: int('steady-s'),
    warmRate: int('warm-rate'),
    socketioProcs: Math.max(1, int('socketio-procs')),
    idleCpuS: int('idle-cpu-s'),
    json: flags.json!,
    profileDir: flags['profile-dir'] ? path.resolve(flags['profile-dir']) : undefined,
    out: flags.out,
    save: !flags['no-save'],
  };
}

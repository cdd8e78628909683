import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ChatlabError, ErrorCodes, LatencyHistogram, createLatencyHistogram, packageRoot } from '../core/index.js';
import type { BackoffOptions, Transport } from '../client/index.js';
import type { EngineToWorker, LocalReply, WorkerClientSpec, WorkerCollected, WorkerTick, WorkerToEngine } from './load/protocol.js';

export interface PoolOptions {
  gateways: string[];
  clients: WorkerClientSpec[];
  workers: number;
  backoff: BackoffOptions;
  seed: number;
  recordHistory: boolean;
  bodyBytes: number;
  autoRead?: boolean;
  searchBodies?: boolean;
  localStoreDir?: string;
  transport?: Transport;
}

/** One second of all workers together. */
export interface PoolSecond {
  at: number;
  totals: Omit<WorkerTick, 'type' | 'workerId' | 'at' | 'histogram' | 'connectTimes' | 'acceptTimes' | 'syncTimes'>;
  connectTimes: number[];
  acceptTimes: number[];
  syncTimes: number[];
  latency: LatencyHistogram;
}

/**
 * A small young generation, and an old one that grows by 20% of what the last full GC kept
 * rather than up to 4× (V8's factor on a machine with this much memory): a herd of reconnects
 * is a burst of garbage, and a worker let its heap grow to three times its live size before
 * collecting it (bench/README.md, "Load-worker memory").
 */
export const WORKER_NODE_FLAGS = ['--max-semi-space-size=1', '--heap-growing-percent=20'];

const COUNT_KEYS = [
  'connected', 'waiting', 'pendingAcks', 'syncing', 'sends', 'acks', 'deliveries', 'rawDeliveries', 'connectAttempts',
  'connects', 'reconnects', 'disconnects', 'syncRequests', 'presence', 'receipts', 'errors',
  'bytesIn', 'bytesOut', 'httpRequests', 'tcpConnects',
] as const;

/**
 * Load workers are separate processes (never on a gateway's event loop); clients are dealt
 * out round-robin. Their one-a-second ticks are summed here, second by second.
 */
export class LoadPool {
  private readonly children: ChildProcess[] = [];
  private readonly ticks: TickJoiner;
  private readonly waiters = new Map<string, Array<(m: WorkerToEngine) => void>>();
  readonly seconds: PoolSecond[] = [];
  onSecond: (s: PoolSecond) => void = () => {};
  /** Which worker holds each user. */
  private readonly home = new Map<string, number>();

  private constructor(private readonly n: number) {
    this.ticks = new TickJoiner(n);
  }

  /** Worker processes: a `rate` or `connect` command's perSecond applies to each. */
  get workerCount(): number {
    return this.n;
  }

  /** Simulated clients held by the workers. */
  get size(): number {
    return this.home.size;
  }

  static async start(o: PoolOptions): Promise<LoadPool> {
    const n = Math.max(1, Math.min(o.workers, o.clients.length || 1));
    const pool = new LoadPool(n);
    const entry = path.join(packageRoot(), 'dist/src/scenario/load/worker-main.js');
    const shares: WorkerClientSpec[][] = Array.from({ length: n }, () => []);
    o.clients.forEach((c, i) => {
      shares[i % n]!.push(c);
      pool.home.set(c.userId, i % n);
    });
    await Promise.all(
      shares.map(async (clients, workerId) => {
        // a small young generation: the default lets each worker's RSS grow by tens of MB of
        // short-lived garbage while it ramps (bench/load-workers.ts); see WORKER_NODE_FLAGS
        const child = fork(entry, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced', execArgv: [...process.execArgv, ...WORKER_NODE_FLAGS] });
        child.setMaxListeners(0);
        pool.children.push(child);
        child.on('message', (m: WorkerToEngine) => pool.onMessage(workerId, m));
        const ready = pool.wait(workerId, 'ready');
        child.send({
          type: 'init', workerId, gateways: o.gateways, backoff: o.backoff, seed: o.seed, clients,
          recordHistory: o.recordHistory, bodyBytes: o.bodyBytes, connectionsPerAddress: 20_000, autoRead: o.autoRead,
          searchBodies: o.searchBodies, localStoreDir: o.localStoreDir, transport: o.transport,
        } satisfies EngineToWorker);
        await ready;
      }),
    );
    return pool;
  }

  private key(workerId: number, kind: string): string {
    return `${workerId}:${kind}`;
  }

  private wait(workerId: number, kind: string): Promise<WorkerToEngine> {
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(this.key(workerId, kind)) ?? [];
      list.push(resolve);
      this.waiters.set(this.key(workerId, kind), list);
      this.children[workerId]?.once('exit', (code) => reject(new ChatlabError(ErrorCodes.SCENARIO, `load worker ${workerId} exited (${code})`)));
    });
  }

  private onMessage(workerId: number, m: WorkerToEngine): void {
    if (m.type === 'tick') return this.onTick(m);
    const kind = m.type === 'done' ? `done:${m.op}` : m.type;
    const list = this.waiters.get(this.key(workerId, kind));
    const resolve = list?.shift();
    resolve?.(m);
  }

  private onTick(t: WorkerTick): void {
    for (const ticks of this.ticks.add(t)) {
      const totals = Object.fromEntries(COUNT_KEYS.map((k) => [k, ticks.reduce((s, x) => s + x[k], 0)])) as PoolSecond['totals'];
      const latency = createLatencyHistogram();
      for (const x of ticks) latency.merge(x.histogram);
      const second = {
        at: Math.max(...ticks.map((x) => x.at)), totals, latency,
        connectTimes: ticks.flatMap((x) => x.connectTimes), acceptTimes: ticks.flatMap((x) => x.acceptTimes), syncTimes: ticks.flatMap((x) => x.syncTimes),
      };
      this.seconds.push(second);
      this.onSecond(second);
    }
  }

  /** Sends a command to every worker and waits until each has done it. */
  async all(cmd: EngineToWorker): Promise<void> {
    await Promise.all(this.children.map((c, i) => {
      const done = this.wait(i, `done:${cmd.type}`);
      c.send(cmd);
      return done;
    }));
  }

  /** Whether a client of this user runs in this pool. */
  holds(userId: string): boolean {
    return this.home.has(userId);
  }

  /** Sends a command to the worker holding `userId`. */
  async to(userId: string, cmd: EngineToWorker): Promise<void> {
    const i = this.home.get(userId);
    if (i === undefined) throw new ChatlabError(ErrorCodes.SCENARIO, `no simulated client ${userId}`);
    const done = this.wait(i, `done:${cmd.type}`);
    this.children[i]!.send(cmd);
    await done;
  }

  /** Splits users by worker and sends each worker its share. */
  async toUsers(users: string[], make: (users: string[]) => EngineToWorker): Promise<void> {
    const byWorker = new Map<number, string[]>();
    for (const u of users) {
      const i = this.home.get(u);
      if (i !== undefined) byWorker.set(i, [...(byWorker.get(i) ?? []), u]);
    }
    await Promise.all([...byWorker].map(async ([i, us]) => {
      const cmd = make(us);
      const done = this.wait(i, `done:${cmd.type}`);
      this.children[i]!.send(cmd);
      await done;
    }));
  }

  /**
   * A question with an answer (local search, store sizes, rebuilds): to the workers holding
   * `users` (each gets its share) or to all, collecting each worker's reply.
   */
  async ask<T extends LocalReply['type']>(users: readonly string[] | 'all', make: (users: string[]) => EngineToWorker, reply: T): Promise<Array<Extract<LocalReply, { type: T }>>> {
    const byWorker = new Map<number, string[]>();
    if (users === 'all') this.children.forEach((_, i) => byWorker.set(i, []));
    else for (const u of users) {
      const i = this.home.get(u);
      if (i !== undefined) byWorker.set(i, [...(byWorker.get(i) ?? []), u]);
    }
    return Promise.all([...byWorker].map(([i, us]) => {
      const got = this.wait(i, reply) as Promise<Extract<LocalReply, { type: T }>>;
      this.children[i]!.send(make(us));
      return got;
    }));
  }

  /** Which worker holds this user (undefined for none). */
  homeOf(userId: string): number | undefined {
    return this.home.get(userId);
  }

  async collect(): Promise<WorkerCollected[]> {
    return Promise.all(this.children.map((c, i) => {
      const got = this.wait(i, 'collected') as Promise<WorkerCollected>;
      c.send({ type: 'collect' } satisfies EngineToWorker);
      return got;
    }));
  }

  private stopping: Promise<void> | null = null;

  /** Stops every worker; calling it again waits for the same stop. */
  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    await Promise.allSettled(this.children.map((c, i) => {
      if (c.exitCode !== null || !c.connected) return Promise.resolve();
      // the worker exits on its own shortly after `stop` (a CPU profile is written on exit):
      // wait for that exit, and kill only what has not gone after 3 s (30 s while profiling)
      const grace = process.env['CHATLAB_CPU_PROF_DIR'] ? 30_000 : 3000;
      const exited = new Promise((r) => c.once('exit', r));
      c.send({ type: 'stop' } satisfies EngineToWorker);
      return Promise.race([exited, new Promise((r) => setTimeout(r, grace).unref())]);
    }));
    for (const c of this.children) if (c.exitCode === null) c.kill('SIGKILL');
  }

  /** The worker processes' ids (for CPU and RSS readings). */
  get pids(): number[] {
    return this.children.map((c) => c.pid!).filter((p) => p !== undefined);
  }

  /** Highest count of events in any `windowMs` window, as a rate per second. */
  static peakRate(times: number[], windowMs = 100): number {
    const sorted = [...times].sort((a, b) => a - b);
    let best = 0;
    let lo = 0;
    for (let hi = 0; hi < sorted.length; hi++) {
      while (sorted[hi]! - sorted[lo]! >= windowMs) lo++;
      best = Math.max(best, hi - lo + 1);
    }
    return Math.round((best * 1000) / windowMs);
  }

  /** The latest second's gauges (connected etc.). */
  latest(): PoolSecond | undefined {
    return this.seconds.at(-1);
  }
}

/**
 * The workers' ticks, one a second each, joined into seconds: a second is whole once every
 * worker's next tick is in. A worker that reports twice before another reports once (a starved
 * process) keeps both in order: its counts (connects, disconnects) are never overwritten, so sums
 * over seconds stay exact however late a worker is.
 */
export class TickJoiner {
  private readonly queues = new Map<number, WorkerTick[]>();

  constructor(private readonly workers: number) {}

  /** Adds one tick; returns the seconds it completed (each one tick per worker), oldest first. */
  add(t: WorkerTick): WorkerTick[][] {
    const q = this.queues.get(t.workerId) ?? [];
    q.push(t);
    this.queues.set(t.workerId, q);
    const out: WorkerTick[][] = [];
    while (this.queues.size >= this.workers && [...this.queues.values()].every((x) => x.length > 0)) out.push([...this.queues.values()].map((x) => x.shift()!));
    return out;
  }
}

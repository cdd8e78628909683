import {
  CLOCK_TICKS_PER_SEC,
  MetricNames,
  bucketDeltas,
  histogramBuckets,
  parsePrometheusText,
  quantileFromBuckets,
  readProcSample,
  sumMetric,
  type ProcSample,
  type PromSample,
} from '../core/index.js';
import { fmtClock } from './format.js';
import { pushHistory, type DashboardProcess, type DashboardUpdate } from './state.js';

/** One process to watch: what the stack's state records (src/stack ServiceRecord). */
export interface PolledService {
  name: string;
  /** Base URL; `/metrics` is appended. */
  url: string;
  pid: number;
  kind?: string;
  /** When given, a pid whose command line lacks it is treated as gone (pid reuse). */
  marker?: string;
}

export interface MetricsPollerOptions {
  services: readonly PolledService[] | (() => readonly PolledService[]);
  /** Injected in tests; default fetches `${url}/metrics` with a timeout. */
  fetchText?: (url: string) => Promise<string>;
  readProc?: (pid: number, marker?: string) => ProcSample | null;
  now?: () => number;
  /** Origin of the `gone at` clock, so it matches the dashboard's uptime. Default: construction. */
  originMs?: number;
  timeoutMs?: number;
  /**
   * Processes with no /metrics whose CPU counts toward the cold path (Kafka, Cassandra):
   * with the persist worker's, CPU per persisted message.
   */
  coldProcesses?: () => ReadonlyArray<{ name: string; pid: number; marker?: string }>;
}


/** The counters rated per second; `publishes` is split by its `channel` label. */
const COUNTERS = {
  sent: (s: PromSample[]) => sumMetric(s, MetricNames.messagesSent),
  delivered: (s: PromSample[]) => sumMetric(s, MetricNames.messagesDelivered),
  publishes: (s: PromSample[]) => sumMetric(s, MetricNames.redisPublishes),
  inbox: (s: PromSample[]) => sumMetric(s, MetricNames.redisPublishes, (l) => l['channel'] === 'inbox'),
  group: (s: PromSample[]) => sumMetric(s, MetricNames.redisPublishes, (l) => l['channel'] === 'group'),
  memberChanges: (s: PromSample[]) => sumMetric(s, MetricNames.memberChanges),
  produced: (s: PromSample[]) => sumMetric(s, MetricNames.kafkaProduced),
  persisted: (s: PromSample[]) => sumMetric(s, MetricNames.persisted),
  indexed: (s: PromSample[]) => sumMetric(s, MetricNames.indexed),
  presenceEvents: (s: PromSample[]) => sumMetric(s, MetricNames.presenceEvents),
  presenceWrites: (s: PromSample[]) => sumMetric(s, MetricNames.presenceRedisWrites),
  presenceNotifications: (s: PromSample[]) => sumMetric(s, MetricNames.presenceNotifications),
  receiptUpdates: (s: PromSample[]) => sumMetric(s, MetricNames.receiptUpdates),
  receiptDbWrites: (s: PromSample[]) => sumMetric(s, MetricNames.receiptDbWrites),
};
type CounterKey = keyof typeof COUNTERS;

interface Snapshot {
  at: number;
  counters: Partial<Record<CounterKey, number>>;
  buckets: Map<number, number>;
  persistBuckets: Map<number, number>;
  indexBuckets: Map<number, number>;
  proc: ProcSample | null;
}

async function defaultFetch(url: string, timeoutMs: number): Promise<string> {
  const res = await fetch(`${url.replace(/\/$/, '')}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.text();
}

/**
 * Scrapes every service's /metrics and /proc entry and turns two consecutive scrapes into
 * per-second rates and an interval latency estimate. Rates are per process, then summed, so
 * one restarted process (its counters back at zero) does not make a sum go negative.
 */
export class MetricsPoller {
  readonly #opts: MetricsPollerOptions;
  readonly #now: () => number;
  readonly #origin: number;
  readonly #prev = new Map<string, Snapshot>();
  readonly #goneAt = new Map<string, number>();
  readonly #coldPrev = new Map<string, { at: number; ticks: number }>();
  #history = { conns: [] as number[], delivered: [] as number[], p99: [] as number[] };
  #timer: NodeJS.Timeout | undefined;
  #inFlight = false;

  constructor(opts: MetricsPollerOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
    this.#origin = opts.originMs ?? this.#now();
  }

  async poll(): Promise<DashboardUpdate> {
    const services = typeof this.#opts.services === 'function' ? this.#opts.services() : this.#opts.services;
    const fetchText = this.#opts.fetchText ?? ((url: string) => defaultFetch(url, this.#opts.timeoutMs ?? 1500));
    const readProc = this.#opts.readProc ?? readProcSample;
    const scraped = await Promise.all(
      services.map(async (svc) => {
        const proc = readProc(svc.pid, svc.marker);
        // A gone process is not fetched: its port may already belong to something else.
        const text = proc ? await fetchText(svc.url).catch(() => null) : null;
        return { svc, proc, samples: text === null ? null : parsePrometheusText(text) };
      }),
    );
    const now = this.#now();
    const rates: Partial<Record<CounterKey, number>> = {};
    const intervalBuckets = new Map<number, number>();
    const persistBuckets = new Map<number, number>();
    const indexBuckets = new Map<number, number>();
    let indexLag: number | null = null;
    let coldCpuPct = 0;
    let haveRates = false;
    let conns = 0;
    let lag: number | null = null;
    let liveGateways = 0;
    const processes: DashboardProcess[] = [];

    for (const { svc, proc, samples } of scraped) {
      const prev = this.#prev.get(svc.name);
      const snap: Snapshot = { at: now, counters: {}, buckets: new Map(), persistBuckets: new Map(), indexBuckets: new Map(), proc };
      const dt = prev ? (now - prev.at) / 1000 : 0;
      if (samples) {
        for (const key of Object.keys(COUNTERS) as CounterKey[]) {
          const v = COUNTERS[key](samples);
          if (v === null) continue;
          snap.counters[key] = v;
          const before = prev?.counters[key];
          if (dt > 0 && before !== undefined) {
            haveRates = true;
            rates[key] = (rates[key] ?? 0) + (v >= before ? v - before : v) / dt;
          }
        }
        snap.buckets = histogramBuckets(samples, MetricNames.deliveryLatency);
        if (prev && prev.buckets.size > 0) {
          for (const [le, d] of bucketDeltas(prev.buckets, snap.buckets)) intervalBuckets.set(le, (intervalBuckets.get(le) ?? 0) + d);
        }
        snap.persistBuckets = histogramBuckets(samples, MetricNames.persistLatency);
        if (prev && prev.persistBuckets.size > 0) {
          for (const [le, d] of bucketDeltas(prev.persistBuckets, snap.persistBuckets)) persistBuckets.set(le, (persistBuckets.get(le) ?? 0) + d);
        }
        snap.indexBuckets = histogramBuckets(samples, MetricNames.indexerLatency);
        if (prev && prev.indexBuckets.size > 0) for (const [le, d] of bucketDeltas(prev.indexBuckets, snap.indexBuckets)) indexBuckets.set(le, (indexBuckets.get(le) ?? 0) + d);
        const svcIndexLag = sumMetric(samples, MetricNames.indexerLag);
        if (svcIndexLag !== null) indexLag = (indexLag ?? 0) + svcIndexLag;
        conns += sumMetric(samples, MetricNames.wsConnections) ?? 0;
        const svcLag = sumMetric(samples, MetricNames.persistLag);
        if (svcLag !== null) lag = (lag ?? 0) + svcLag;
      }
      this.#prev.set(svc.name, snap);
      const row = this.#processRow(svc, proc, prev?.proc ?? null, dt, samples, now);
      if (svc.kind === 'persist-worker') coldCpuPct += row.cpuPct ?? 0;
      processes.push(row);
      if (proc && svc.kind === 'gateway') liveGateways++;
    }

    const q = (x: number) => {
      const v = quantileFromBuckets(intervalBuckets, x);
      return v === null ? null : v * 1000;
    };
    const p99 = q(0.99);
    const r = (k: CounterKey) => rates[k] ?? 0;
    coldCpuPct += this.#coldInfraCpuPct(now, readProc);
    const persistP99 = quantileFromBuckets(persistBuckets, 0.99);
    // below a message a second the division says more about idle burn than about messages
    const cpuMsPerMessage = r('persisted') >= 1 ? (coldCpuPct / 100) * 1000 / r('persisted') : null;
    this.#history.conns = pushHistory(this.#history.conns, conns);
    if (haveRates) {
      this.#history.delivered = pushHistory(this.#history.delivered, r('delivered'));
      this.#history.p99 = pushHistory(this.#history.p99, p99 ?? 0);
    }
    const update: DashboardUpdate = {
      connections: { open: conns, history: this.#history.conns },
      cold: { lag },
      processes,
    };
    if (services.some((s) => s.kind === 'gateway')) update.header = { gateways: liveGateways };
    const hasIndexer = services.some((s) => s.kind === 'indexer');
    if (hasIndexer) update.search = { lag: indexLag };
    if (!haveRates) return update;
    const searchableP99 = quantileFromBuckets(indexBuckets, 0.99);
    return {
      ...update,
      messages: { sentPerSec: r('sent'), deliveredPerSec: r('delivered'), history: this.#history.delivered },
      latency: { p50: q(0.5), p99, p999: q(0.999), p99History: this.#history.p99 },
      hot: { publishesPerSec: r('publishes'), inboxPerSec: r('inbox'), groupPerSec: r('group'), memberChangesPerSec: r('memberChanges') },
      cold: {
        producedPerSec: r('produced'),
        persistedPerSec: r('persisted'),
        lag,
        ...(persistP99 !== null ? { persistP99Ms: persistP99 * 1000 } : {}),
        // only with Kafka's and Cassandra's processes known: without them the figure would mislead
        ...(this.#opts.coldProcesses ? { cpuMsPerMessage } : {}),
      },
      presence: { eventsPerSec: r('presenceEvents'), redisWritesPerSec: r('presenceWrites'), notificationsPerSec: r('presenceNotifications') },
      receipts: { readsPerSec: r('receiptUpdates'), dbWritesPerSec: r('receiptDbWrites') },
      ...(hasIndexer ? { search: { indexedPerSec: r('indexed'), lag: indexLag, ...(searchableP99 !== null ? { searchableP99Ms: searchableP99 * 1000 } : {}) } } : {}),
    };
  }

  /** % of a core Kafka and Cassandra used since the last poll (0 before the second). */
  #coldInfraCpuPct(now: number, readProc: (pid: number, marker?: string) => ProcSample | null): number {
    let pct = 0;
    for (const p of this.#opts.coldProcesses?.() ?? []) {
      const ticks = readProc(p.pid, p.marker)?.cpuTicks;
      const prev = this.#coldPrev.get(p.name);
      if (ticks === undefined) {
        this.#coldPrev.delete(p.name);
        continue;
      }
      if (prev && now > prev.at && ticks >= prev.ticks) pct += ((ticks - prev.ticks) / CLOCK_TICKS_PER_SEC / ((now - prev.at) / 1000)) * 100;
      this.#coldPrev.set(p.name, { at: now, ticks });
    }
    return pct;
  }

  #processRow(svc: PolledService, proc: ProcSample | null, prevProc: ProcSample | null, dt: number, samples: PromSample[] | null, now: number): DashboardProcess {
    if (!proc) {
      if (!this.#goneAt.has(svc.name)) this.#goneAt.set(svc.name, now);
      return { name: svc.name, cpuPct: null, rssMB: null, conns: null, health: 'killed', note: `gone at ${fmtClock(this.#goneAt.get(svc.name)! - this.#origin)}` };
    }
    this.#goneAt.delete(svc.name);
    const cpuPct = prevProc && dt > 0 && proc.cpuTicks >= prevProc.cpuTicks ? ((proc.cpuTicks - prevProc.cpuTicks) / CLOCK_TICKS_PER_SEC / dt) * 100 : null;
    const row: DashboardProcess = {
      name: svc.name,
      cpuPct,
      rssMB: proc.rssBytes === null ? null : proc.rssBytes / (1024 * 1024),
      conns: samples ? sumMetric(samples, MetricNames.wsConnections) : null,
      health: samples ? 'healthy' : 'unreachable',
    };
    const lag = samples ? (sumMetric(samples, MetricNames.persistLag) ?? sumMetric(samples, MetricNames.indexerLag)) : null;
    if (lag !== null) row.lag = lag;
    return row;
  }

  /** Polls every `intervalMs` (skipping a tick while one is still running) until stop(). */
  start(intervalMs: number, onUpdate: (u: DashboardUpdate) => void, onError?: (e: unknown) => void): void {
    this.stop();
    const tick = () => {
      if (this.#inFlight) return;
      this.#inFlight = true;
      this.poll()
        .then(onUpdate, (e: unknown) => onError?.(e))
        .finally(() => {
          this.#inFlight = false;
        });
    };
    tick();
    this.#timer = setInterval(tick, intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

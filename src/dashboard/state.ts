/**
 * Everything the live dashboard shows, as plain data. The engine's events and the metrics
 * poller each fill their part; the components only read it (docs/architecture.md#conventions), so a
 * frame is a pure function of one DashboardState.
 */

/** Numbers a threshold can point at, so a broken one turns that very number red. */
export type DashboardMetric = 'open' | 'failed' | 'reconnecting' | 'sent' | 'delivered' | 'p50' | 'p99' | 'p999' | 'max' | 'lag' | 'lost' | 'duplicates';

export interface DashboardThreshold {
  name: string;
  limit: number;
  value: number | null;
  ok: boolean;
  metric?: DashboardMetric;
}

export type ProcessHealth = 'healthy' | 'unhealthy' | 'unreachable' | 'killed' | 'starting';

export interface DashboardProcess {
  name: string;
  cpuPct: number | null;
  rssMB: number | null;
  conns: number | null;
  /** Persist worker: Kafka consumer lag. */
  lag?: number | null;
  health: ProcessHealth;
  /** e.g. `SIGKILL at 00:10:02`. */
  note?: string;
}

export interface DashboardTimelineLine {
  /** ms since the dashboard's start (same origin as header.uptimeMs). */
  atMs: number;
  label: string;
  kind: 'phase' | 'fault' | 'info' | 'threshold';
}

export interface DashboardState {
  header: {
    uptimeMs: number;
    provider: string;
    gateways: number;
    scenario?: string;
    variant?: string;
    /** 1-based index. */
    phase?: { index: number; total: number; name: string };
  };
  connections: { open: number; reconnectingPerSec: number; failed: number; history: number[] };
  messages: { sentPerSec: number; deliveredPerSec: number; history: number[] };
  latency: { p50: number | null; p99: number | null; p999: number | null; max: number | null; p99History: number[] };
  /** memberChangesPerSec: members joined or left per second (chatlab_member_changes_total). */
  hot: { publishesPerSec: number; inboxPerSec: number; groupPerSec: number; memberChangesPerSec: number };
  /**
   * persistP99Ms: send → stored over the last poll; cpuMsPerMessage: Kafka + Cassandra +
   * persist worker CPU per persisted message (idle burn included).
   */
  cold: { producedPerSec: number; persistedPerSec: number; lag: number | null; persistP99Ms?: number | null; cpuMsPerMessage?: number | null };
  /** The search indexer (second consumer group), when the stack has one: indexed/s, its lag, send → searchable p99 over the last poll. */
  search?: { indexedPerSec: number; lag: number | null; searchableP99Ms?: number | null };
  presence: { eventsPerSec: number; redisWritesPerSec: number; notificationsPerSec: number };
  receipts: { readsPerSec: number; dbWritesPerSec: number };
  processes: DashboardProcess[];
  /** `redis ok · kafka ok · cassandra ok`. */
  infra: Array<{ name: string; ok: boolean }>;
  timeline: DashboardTimelineLine[];
  thresholds: DashboardThreshold[];
  /** Live checker counts, when the engine runs one. */
  checker?: { lost: number; duplicates: number };
}

export function emptyDashboardState(): DashboardState {
  return {
    header: { uptimeMs: 0, provider: '?', gateways: 0 },
    connections: { open: 0, reconnectingPerSec: 0, failed: 0, history: [] },
    messages: { sentPerSec: 0, deliveredPerSec: 0, history: [] },
    latency: { p50: null, p99: null, p999: null, max: null, p99History: [] },
    hot: { publishesPerSec: 0, inboxPerSec: 0, groupPerSec: 0, memberChangesPerSec: 0 },
    cold: { producedPerSec: 0, persistedPerSec: 0, lag: null },
    presence: { eventsPerSec: 0, redisWritesPerSec: 0, notificationsPerSec: 0 },
    receipts: { readsPerSec: 0, dbWritesPerSec: 0 },
    processes: [],
    infra: [],
    timeline: [],
    thresholds: [],
  };
}

type Section = Exclude<keyof DashboardState, 'processes' | 'infra' | 'timeline' | 'thresholds' | 'checker'>;

/** What one source knows: some sections, each possibly in part; lists replace wholesale. */
export type DashboardUpdate = { [K in Section]?: Partial<DashboardState[K]> } & Partial<Pick<DashboardState, 'processes' | 'infra' | 'timeline' | 'thresholds' | 'checker'>>;

export function mergeDashboardState(base: DashboardState, update: DashboardUpdate): DashboardState {
  const out: DashboardState = { ...base };
  for (const key of Object.keys(update) as Array<keyof DashboardUpdate>) {
    const value = update[key];
    if (value === undefined) continue;
    if (Array.isArray(value) || key === 'checker') (out as unknown as Record<string, unknown>)[key] = value;
    else (out as unknown as Record<string, unknown>)[key] = { ...(base[key] as object), ...(value as object) };
  }
  return out;
}

/** Sparklines cover about a minute: at one sample a second, 60 points. */
export const HISTORY_POINTS = 60;

export function pushHistory(history: readonly number[], value: number, max = HISTORY_POINTS): number[] {
  const next = [...history, value];
  return next.length > max ? next.slice(next.length - max) : next;
}

/** The first broken threshold pointing at `metric`, if any. */
export function brokenFor(state: DashboardState, metric: DashboardMetric): DashboardThreshold | undefined {
  return state.thresholds.find((t) => !t.ok && t.metric === metric);
}

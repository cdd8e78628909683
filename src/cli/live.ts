import type { EventEmitter } from 'node:events';
import { MetricsPoller, emptyDashboardState, mergeDashboardState, pushHistory, renderDashboard, type DashboardMetric, type DashboardState } from '../dashboard/index.js';
import type { EngineEvents } from '../scenario/index.js';
import { checkInfraHealth } from '../infra/index.js';
import { nodeHealth, readState } from '../stack/index.js';

export interface LiveViewOptions {
  stateDir: string;
  /** Draw the ink dashboard (a TTY and no --json); otherwise plain lines on stderr. */
  tty: boolean;
  events?: EventEmitter<EngineEvents>;
  scenario?: string;
  onQuit?: () => void;
}

const METRIC_OF: Record<string, DashboardMetric> = { p50: 'p50', p99: 'p99', p999: 'p999', max: 'max', lost: 'lost', duplicates: 'duplicates' };

/**
 * The live view of `up` and `run`: server metrics from every process's /metrics and /proc
 * (MetricsPoller), and, during a run, the engine's client-side view (connections, send→deliver
 * latency, phases and faults, thresholds). It only listens.
 */
export function startLiveView(o: LiveViewOptions): { stop(): void } {
  const t0 = Date.now();
  const stack = readState(o.stateDir);
  let state: DashboardState = mergeDashboardState(emptyDashboardState(), {
    header: { uptimeMs: 0, provider: stack?.provider ?? '?', gateways: stack?.services.filter((s) => s.kind === 'gateway').length ?? 0, scenario: o.scenario },
  });
  // real checks (PING, Kafka metadata, CQL, cluster health), every few seconds: they cost more than a scrape
  let infraHealth = [
    { name: 'redis', ok: true },
    { name: 'kafka', ok: true },
    { name: 'cassandra', ok: true },
    { name: 'search', ok: true },
  ];
  const checkInfra = async () => {
    const current = readState(o.stateDir);
    const e = current?.endpoints;
    if (!e) return;
    // on a cluster, every node asked alone too: the panel shows which is down
    const [h, cassandraNodes, kafkaNodes] = await Promise.all([
      checkInfraHealth(e),
      current.nodes ? nodeHealth('cassandra', current.nodes.cassandra, e.cassandra.localDataCenter) : [],
      current.nodes ? nodeHealth('kafka', current.nodes.kafka, e.cassandra.localDataCenter) : [],
    ]);
    infraHealth = [
      { name: 'redis', ok: h.redis },
      { name: 'kafka', ok: h.kafka },
      ...kafkaNodes.map((n) => ({ name: n.id, ok: n.healthy })),
      { name: 'cassandra', ok: h.cassandra },
      ...cassandraNodes.map((n) => ({ name: n.id, ok: n.healthy })),
      { name: 'search', ok: h.search },
    ];
  };
  void checkInfra();
  const infraTimer = setInterval(() => void checkInfra(), 5000);
  const infra = () => infraHealth;
  const poller = new MetricsPoller({
    services: () => readState(o.stateDir)?.services ?? [],
    coldProcesses: () => (readState(o.stateDir)?.processes ?? []).filter((p) => /^(kafka|cassandra)(-\d+)?$/.test(p.name)),
  });
  poller.start(1000, (update) => {
    // during a run the clients' own numbers are the honest ones for connections and latency
    if (o.events) {
      delete update.connections;
      delete update.latency;
      delete update.messages;
    }
    state = mergeDashboardState(state, update);
    const gateways = readState(o.stateDir)?.services.filter((s) => s.kind === 'gateway').length ?? 0;
    state = mergeDashboardState(state, { header: { uptimeMs: Date.now() - t0, gateways }, infra: infra() });
  });
  if (o.events) {
    o.events.on('variant-start', (v) => {
      state = mergeDashboardState(state, { header: { variant: v.name, phase: { index: v.index + 1, total: v.total, name: v.name } }, thresholds: [] });
    });
    o.events.on('timeline', (e) => {
      state = mergeDashboardState(state, { timeline: [...state.timeline, { atMs: Date.now() - t0, label: e.label, kind: e.kind }].slice(-50) });
    });
    o.events.on('second', ({ point, pool }) => {
      state = mergeDashboardState(state, {
        connections: {
          open: point.connections,
          reconnectingPerSec: point.reconnectsPerSec,
          failed: Math.max(0, pool.totals.connectAttempts - pool.totals.connects),
          history: pushHistory(state.connections.history, point.connections),
        },
        messages: { sentPerSec: point.sendsPerSec, deliveredPerSec: point.deliveriesPerSec, history: pushHistory(state.messages.history, point.deliveriesPerSec) },
        latency: point.p99 === null ? {} : {
          p50: point.p50,
          p99: point.p99,
          p999: pool.latency.summary().p999,
          max: pool.latency.summary().max,
          p99History: pushHistory(state.latency.p99History, point.p99),
        },
      });
    });
    o.events.on('variant-end', (v) => {
      state = mergeDashboardState(state, {
        thresholds: v.thresholds.map((t) => ({ ...t, metric: METRIC_OF[t.name.split(' ')[0]!] })),
        checker: { lost: v.checker.lost, duplicates: v.checker.duplicates },
      });
    });
  }
  const view = renderDashboard(() => state, { tty: o.tty, write: (line) => void process.stderr.write(`${line}\n`), onQuit: o.onQuit });
  return {
    stop() {
      clearInterval(infraTimer);
      poller.stop();
      view.stop();
    },
  };
}

import fs from 'node:fs';
import { checkInfraHealth, kafkaMetadata, onCassandraNode, type ClusterNode, type Topology } from '../infra/index.js';
import path from 'node:path';
import { isOwnedAlive } from '../infra/index.js';
import { stackAlive } from './liveness.js';
import { monitoringFiles } from './monitoring.js';
import { readState, type ServiceKind, type StackState } from './state.js';

/** One node of a clustered store and whether it answers on its own address. */
export interface NodeHealth {
  id: string;
  address: string;
  healthy: boolean;
}

/** The object `chatlab status --json` prints (docs/protocol.md), plus a few extra fields. */
export interface StackStatus {
  topology: Topology;
  infra: {
    redis: { url: string; healthy: boolean };
    kafka: { brokers: string[]; healthy: boolean; nodes?: NodeHealth[] };
    cassandra: { contactPoints: string[]; localDataCenter: string; healthy: boolean; nodes?: NodeHealth[] };
    search: { url: string; healthy: boolean };
  };
  services: Array<{ name: string; kind: ServiceKind; pid: number; url: string; healthy: boolean; options?: Record<string, unknown> }>;
  provider: string | undefined;
  phase: StackState['phase'];
  startedAt: string;
  detached: boolean;
  versions: Record<string, string>;
  stateDir: string;
  /** Prometheus scrape config `up` wrote (file_sd targets: every service's /metrics). */
  monitoring: { prometheusConfig: string; targets: string };
}

export async function serviceHealthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

/** The options a service runs with (its config file, services.ts's serviceConfigFile, which a restart reads). */
function effectiveOptions(stateDir: string, name: string): Record<string, unknown> {
  try {
    return JSON.parse(fs.readFileSync(path.join(stateDir, 'services', `${name}.json`), 'utf8')).options ?? {};
  } catch {
    return {};
  }
}

/** Resolves false when `p` fails or takes longer than `ms` (a paused or cut-off node never answers). */
function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  return Promise.race([p.then(() => true, () => false), deadline]).finally(() => clearTimeout(timer));
}

/** Each node asked alone: CQL on that node only, Kafka metadata from that broker only. */
export async function nodeHealth(store: 'cassandra' | 'kafka', nodes: ClusterNode[], localDataCenter: string, timeoutMs = 3000): Promise<NodeHealth[]> {
  return Promise.all(
    nodes.map(async (n) => {
      const hostPort = `${n.address}:${n.port}`;
      const probe =
        store === 'cassandra'
          ? onCassandraNode(hostPort, localDataCenter, (c) => c.execute('SELECT release_version FROM system.local'), timeoutMs)
          : kafkaMetadata([hostPort]);
      return { id: n.id, address: n.address, healthy: await within(probe, timeoutMs) };
    }),
  );
}

/** null when nothing runs (no state file, or nothing recorded in it is alive). */
export async function collectStatus(stateDir: string): Promise<StackStatus | null> {
  const state = readState(stateDir);
  if (!state || !stackAlive(state)) return null;
  const e = state.endpoints;
  const health = e ? await checkInfraHealth(e) : { redis: false, kafka: false, cassandra: false, search: false };
  const dc = e?.cassandra.localDataCenter ?? '';
  const [cassandraNodes, kafkaNodes] = state.nodes
    ? await Promise.all([nodeHealth('cassandra', state.nodes.cassandra, dc), nodeHealth('kafka', state.nodes.kafka, dc)])
    : [undefined, undefined];
  const services = await Promise.all(
    state.services.map(async (s) => ({
      name: s.name,
      kind: s.kind,
      pid: s.pid,
      url: s.url,
      healthy: isOwnedAlive(s) && (await serviceHealthy(s.url)),
      options: effectiveOptions(stateDir, s.name),
    })),
  );
  return {
    topology: state.topology,
    infra: {
      redis: { url: e?.redis.url ?? '', healthy: health.redis },
      kafka: { brokers: e?.kafka.brokers ?? [], healthy: health.kafka, ...(kafkaNodes ? { nodes: kafkaNodes } : {}) },
      cassandra: { contactPoints: e?.cassandra.contactPoints ?? [], localDataCenter: dc, healthy: health.cassandra, ...(cassandraNodes ? { nodes: cassandraNodes } : {}) },
      search: { url: e?.search.url ?? '', healthy: health.search },
    },
    services,
    provider: state.provider,
    phase: state.phase,
    startedAt: state.startedAt,
    detached: state.detached,
    versions: state.versions,
    stateDir,
    monitoring: { prometheusConfig: monitoringFiles(stateDir).prometheusConfig, targets: monitoringFiles(stateDir).targets },
  };
}

/** The parts of a stack that are down, by name (`redis`, `gateway-2`): empty when all is healthy. */
export function unhealthyParts(s: StackStatus): string[] {
  const infra = (['redis', 'kafka', 'cassandra'] as const).filter((k) => !s.infra[k].healthy);
  const nodes = [...(s.infra.cassandra.nodes ?? []), ...(s.infra.kafka.nodes ?? [])].filter((n) => !n.healthy).map((n) => n.id);
  return [...infra, ...nodes, ...s.services.filter((svc) => !svc.healthy).map((svc) => svc.name)];
}

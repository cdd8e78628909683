import { checkInfraHealth } from '../infra/index.js';
import { isOwnedAlive } from '../infra/index.js';
import { stackAlive } from './liveness.js';
import { readState, type ServiceKind, type StackState } from './state.js';

/** The object `chatlab status --json` prints (PROTOCOL.md), plus a few extra fields. */
export interface StackStatus {
  infra: {
    redis: { url: string; healthy: boolean };
    kafka: { brokers: string[]; healthy: boolean };
    cassandra: { contactPoints: string[]; localDataCenter: string; healthy: boolean };
    search: { url: string; healthy: boolean };
  };
  services: Array<{ name: string; kind: ServiceKind; pid: number; url: string; healthy: boolean }>;
  provider: string | undefined;
  phase: StackState['phase'];
  startedAt: string;
  detached: boolean;
  versions: Record<string, string>;
  stateDir: string;
}

export async function serviceHealthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

/** null when nothing runs (no state file, or nothing recorded in it is alive). */
export async function collectStatus(stateDir: string): Promise<StackStatus | null> {
  const state = readState(stateDir);
  if (!state || !stackAlive(state)) return null;
  const e = state.endpoints;
  const health = e ? await checkInfraHealth(e) : { redis: false, kafka: false, cassandra: false, search: false };
  const services = await Promise.all(
    state.services.map(async (s) => ({
      name: s.name,
      kind: s.kind,
      pid: s.pid,
      url: s.url,
      healthy: isOwnedAlive(s) && (await serviceHealthy(s.url)),
    })),
  );
  return {
    infra: {
      redis: { url: e?.redis.url ?? '', healthy: health.redis },
      kafka: { brokers: e?.kafka.brokers ?? [], healthy: health.kafka },
      cassandra: { contactPoints: e?.cassandra.contactPoints ?? [], localDataCenter: e?.cassandra.localDataCenter ?? '', healthy: health.cassandra },
      search: { url: e?.search.url ?? '', healthy: health.search },
    },
    services,
    provider: state.provider,
    phase: state.phase,
    startedAt: state.startedAt,
    detached: state.detached,
    versions: state.versions,
    stateDir,
  };
}

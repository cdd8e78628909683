import fs from 'node:fs';
import path from 'node:path';
import { ChatlabError, ErrorCodes, clockOffsetFile, errorMessage, packageRoot, type ServiceConfig } from '../core/index.js';
import { assertBindable, freePort } from '../infra/index.js';
import { spawnOwned, tailFile, type RunningProcess } from '../infra/index.js';
import { waitUntil } from '../infra/index.js';
import type { InfraEndpoints } from '../infra/index.js';
import type { ServiceKind, ServiceRecord } from './state.js';
import { serviceHealthy } from './status.js';

export interface ServiceOptions {
  gateways: number;
  /** Options handed to every process of a kind (validated by that process). */
  gateway?: Record<string, unknown>;
  persist?: Record<string, unknown>;
  indexer?: Record<string, unknown>;
  presence?: Record<string, unknown>;
  receipts?: Record<string, unknown>;
  /** Kinds not to start (a test or scenario that runs one itself). */
  skip?: ServiceKind[];
}

export interface ServiceContext {
  stateDir: string;
  endpoints: InfraEndpoints;
  keyspace: string;
  secret: string;
  options: ServiceOptions;
  signal?: AbortSignal;
  onProgress?: (component: string, phase: string, detail?: string) => void;
}

export interface StartedServices {
  records: ServiceRecord[];
  stop(): Promise<void>;
}

const ENTRY: Record<ServiceKind, string> = {
  gateway: 'dist/src/gateway/main.js',
  'persist-worker': 'dist/src/workers/persist/main.js',
  presence: 'dist/src/presence/main.js',
  'receipts-worker': 'dist/src/workers/receipts/main.js',
  indexer: 'dist/src/workers/indexer/main.js',
};

interface Planned {
  name: string;
  kind: ServiceKind;
  options: Record<string, unknown>;
}

function plan(o: ServiceOptions): Planned[] {
  const planned: Planned[] = [];
  const wanted = (kind: ServiceKind) => !o.skip?.includes(kind) && fs.existsSync(path.join(packageRoot(), ENTRY[kind]));
  if (wanted('persist-worker')) planned.push({ name: 'persist-worker', kind: 'persist-worker', options: o.persist ?? {} });
  if (wanted('indexer')) planned.push({ name: 'indexer', kind: 'indexer', options: o.indexer ?? {} });
  if (wanted('receipts-worker')) planned.push({ name: 'receipts-worker', kind: 'receipts-worker', options: o.receipts ?? {} });
  if (wanted('presence')) planned.push({ name: 'presence', kind: 'presence', options: o.presence ?? {} });
  if (wanted('gateway')) for (let i = 1; i <= o.gateways; i++) planned.push({ name: `gateway-${i}`, kind: 'gateway', options: o.gateway ?? {} });
  return planned;
}

/** The config file a service is started with; its path (under services/) is the process marker. */
export function serviceConfigFile(stateDir: string, name: string): string {
  return path.join(stateDir, 'services', `${name}.json`);
}

/** Starts (or restarts, with the same config and port) one service process and waits for /healthz. */
export async function launchService(stateDir: string, name: string, kind: ServiceKind, signal?: AbortSignal): Promise<{ proc: RunningProcess; record: ServiceRecord }> {
  const configFile = serviceConfigFile(stateDir, name);
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as ServiceConfig;
  const url = `http://127.0.0.1:${config.port}`;
  const logFile = path.join(stateDir, 'services', `${name}.log`);
  // a restart on its recorded port: say so in one line if something else holds it
  await assertBindable(name, '127.0.0.1', config.port).catch((err: unknown) => {
    throw new ChatlabError(ErrorCodes.INFRA_START, errorMessage(err));
  });
  const proc = spawnOwned({
    name,
    command: process.execPath,
    args: ['--enable-source-maps', path.join(packageRoot(), ENTRY[kind]), '--config', configFile],
    logFile,
    marker: configFile,
  });
  try {
    await waitUntil(
      async () => {
        if (!(await serviceHealthy(url))) throw new Error('not healthy yet');
      },
      { what: `${name} /healthz at ${url}`, timeoutMs: 60_000, intervalMs: 200, signal, fatal: () => (proc.exited() ? `${name} ${proc.exited()}` : null) },
    );
  } catch (err) {
    await proc.stop(2000);
    throw new ChatlabError(ErrorCodes.INFRA_START, `${name} failed to start: ${errorMessage(err)}`, { details: `last lines of ${logFile}:\n${tailFile(logFile)}` });
  }
  return { proc, record: { name, kind, pid: proc.pid, url, marker: configFile, logFile } };
}

/** Gateways, presence server and workers, each its own process, each healthy before we return. */
export async function startServices(ctx: ServiceContext): Promise<StartedServices> {
  const started: RunningProcess[] = [];
  const records: ServiceRecord[] = [];
  const stop = async () => {
    // gateways first (they drain into Kafka), workers after
    const gateways = started.filter((p) => p.name.startsWith('gateway'));
    await Promise.all(gateways.map((p) => p.stop(15_000)));
    await Promise.all(started.filter((p) => !gateways.includes(p)).map((p) => p.stop(10_000)));
  };
  try {
    for (const svc of plan(ctx.options)) {
      const config: ServiceConfig = {
        name: svc.name,
        kind: svc.kind,
        port: await freePort(),
        host: '127.0.0.1',
        redisUrl: ctx.endpoints.redis.url,
        kafkaBrokers: ctx.endpoints.kafka.brokers,
        cassandra: ctx.endpoints.cassandra,
        searchUrl: ctx.endpoints.search.url,
        keyspace: ctx.keyspace,
        redisPrefix: '',
        topics: { messages: 'chat.messages' },
        secret: ctx.secret,
        options: svc.options,
      };
      fs.writeFileSync(serviceConfigFile(ctx.stateDir, svc.name), JSON.stringify(config, null, 2), { mode: 0o600 });
      // a fresh stack runs on true time, whatever clock-skew fault an earlier run left behind
      fs.rmSync(clockOffsetFile(serviceConfigFile(ctx.stateDir, svc.name)), { force: true });
    }
    // workers first so gateways find them; gateways in parallel
    const planned = plan(ctx.options);
    const launchOne = async (svc: Planned) => {
      ctx.onProgress?.(svc.name, 'starting');
      const { proc, record } = await launchService(ctx.stateDir, svc.name, svc.kind, ctx.signal);
      started.push(proc);
      records.push(record);
      ctx.onProgress?.(svc.name, 'ready', record.url);
    };
    // allSettled: a failure must not leave a sibling still starting after we stopped the rest
    for (const group of [planned.filter((s) => s.kind !== 'gateway'), planned.filter((s) => s.kind === 'gateway')]) {
      const results = await Promise.allSettled(group.map(launchOne));
      const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
      if (failed) throw failed.reason;
    }
  } catch (err) {
    await stop();
    throw err;
  }
  records.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  return { records, stop };
}

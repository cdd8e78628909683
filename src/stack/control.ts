import { ChatlabError, ErrorCodes, clockOffsetFile, errorMessage, writeClockOffsetMs } from '../core/index.js';
import { assertBindable, cassandraReleaseVersion, kafkaMetadata, pingRedis, searchClusterHealth, isOwnedAlive, signalGroup, spawnOwned, stopOwned, waitUntil, type ComponentName } from '../infra/index.js';
import { launchService, serviceConfigFile } from './services.js';
import { restartNode } from './nodes.js';
import { readState, writeState, type StackState } from './state.js';

/**
 * Faults and repairs on a running stack, from any process (the scenario engine, a test, a
 * user): everything goes through the state file, and every change of pid is written back.
 */

function load(stateDir: string): StackState {
  const state = readState(stateDir);
  if (!state) throw new ChatlabError(ErrorCodes.NOT_RUNNING, `no stack is running in ${stateDir}`);
  return state;
}

function infraProcess(state: StackState, component: ComponentName) {
  // on the cluster topology a fault on `cassandra` or `kafka` strikes its first node
  const proc = state.processes.find((p) => p.name === component) ?? state.processes.find((p) => p.name === `${component}-1`);
  if (!proc?.spawn) {
    throw new ChatlabError(ErrorCodes.SCENARIO, `${component} is not a process chatlab runs here (provider ${state.provider}): this fault needs --infra native`);
  }
  return proc;
}

/** SIGSTOP / SIGCONT a backing process (e.g. pause Kafka). */
export function pauseComponent(stateDir: string, component: ComponentName): void {
  signalGroup(infraProcess(load(stateDir), component).pid, 'SIGSTOP');
}

export function resumeComponent(stateDir: string, component: ComponentName): void {
  signalGroup(infraProcess(load(stateDir), component).pid, 'SIGCONT');
}

/** Stops a backing process (SIGTERM, or SIGKILL with `kill`), leaving its data in place. */
export async function stopComponent(stateDir: string, component: ComponentName, how: 'term' | 'kill' = 'term'): Promise<void> {
  const proc = infraProcess(load(stateDir), component);
  if (how === 'kill') signalGroup(proc.pid, 'SIGKILL');
  await stopOwned(proc, Math.max(30_000, proc.stopGraceMs ?? 0));
}

/** Starts a stopped backing process again on the same ports and data; waits until it is ready. */
export async function startComponent(stateDir: string, component: ComponentName): Promise<void> {
  const state = load(stateDir);
  const proc = infraProcess(state, component);
  if (isOwnedAlive(proc)) return;
  // a node of a cluster: ready when it answers on its own address (the others always do)
  if (proc.name !== component) return restartNode(stateDir, proc.name);
  // its port recorded in the endpoints: one line naming it if something else holds it now
  const e0 = state.endpoints!;
  const address = { redis: e0.redis.url, kafka: e0.kafka.brokers[0], cassandra: e0.cassandra.contactPoints[0], search: e0.search.url }[component];
  const hostPort = address ? /^(?:\w+:\/\/)?([^:/]+):(\d+)/.exec(address) : null;
  if (hostPort) {
    await assertBindable(component, hostPort[1]!, Number(hostPort[2])).catch((err: unknown) => {
      throw new ChatlabError(ErrorCodes.INFRA_START, errorMessage(err));
    });
  }
  const spawn = proc.spawn!;
  const started = spawnOwned({ name: proc.name, command: spawn.command, args: spawn.args, cwd: spawn.cwd, logFile: spawn.logFile, extraEnv: spawn.env, marker: proc.marker });
  const e = state.endpoints!;
  const ready: Record<ComponentName, () => Promise<unknown>> = {
    redis: () => pingRedis(e.redis.url),
    kafka: () => kafkaMetadata(e.kafka.brokers),
    cassandra: () => cassandraReleaseVersion(e.cassandra.contactPoints, e.cassandra.localDataCenter),
    search: () => searchClusterHealth(e.search.url, 2000),
  };
  await waitUntil(ready[component], {
    what: `${component} to be ready again`,
    timeoutMs: 180_000,
    intervalMs: 500,
    fatal: () => (started.exited() ? `${component} ${started.exited()}` : null),
  });
  const fresh = load(stateDir);
  fresh.processes = fresh.processes.map((p) => (p.name === proc.name ? { ...p, pid: started.pid } : p));
  writeState(fresh);
}

export async function restartComponent(stateDir: string, component: ComponentName): Promise<void> {
  await stopComponent(stateDir, component);
  await startComponent(stateDir, component);
}

/** kill -9 (`kill`) or SIGTERM (`term`, graceful) a service; resolves once it is gone. */
export async function stopService(stateDir: string, name: string, how: 'term' | 'kill'): Promise<void> {
  const svc = load(stateDir).services.find((s) => s.name === name);
  if (!svc) throw new ChatlabError(ErrorCodes.SCENARIO, `no service named ${name}`);
  if (how === 'kill') signalGroup(svc.pid, 'SIGKILL');
  await stopOwned(svc, 30_000);
}

/** Starts a stopped service again with its config (same port); waits for /healthz. */
export async function startService(stateDir: string, name: string): Promise<void> {
  const state = load(stateDir);
  const svc = state.services.find((s) => s.name === name);
  if (!svc) throw new ChatlabError(ErrorCodes.SCENARIO, `no service named ${name}`);
  if (isOwnedAlive(svc)) return;
  const { record } = await launchService(stateDir, name, svc.kind);
  const fresh = load(stateDir);
  fresh.services = fresh.services.map((s) => (s.name === name ? record : s));
  writeState(fresh);
}

/**
 * Steps a gateway's clock by `offsetMs` from true time (0 puts it back), while it runs: the
 * offset goes beside its config (a restart keeps it) and SIGUSR2 makes the process read it.
 */
export function skewServiceClock(stateDir: string, name: string, offsetMs: number): void {
  const svc = load(stateDir).services.find((s) => s.name === name);
  if (!svc) throw new ChatlabError(ErrorCodes.SCENARIO, `no service named ${name}`);
  if (svc.kind !== 'gateway') throw new ChatlabError(ErrorCodes.SCENARIO, `${name} is a ${svc.kind}: only gateways mint ids`);
  writeClockOffsetMs(clockOffsetFile(serviceConfigFile(stateDir, name)), offsetMs);
  if (isOwnedAlive(svc)) process.kill(svc.pid, 'SIGUSR2');
}

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ChatlabError, ErrorCodes } from '../core/index.js';
import { bootstrapInfra } from '../infra/index.js';
import { CLUSTER_SIZE, healAll, selectProvider, type ProviderFactory } from '../infra/index.js';
import type { InfraChoice, ProgressFn, StartedInfra, Topology } from '../infra/index.js';
import { CLUSTER_STORE_DEFAULTS, DEFAULT_KEYSPACE, storeServiceOptions } from '../store/index.js';
import { stackAlive, stopStrays } from './liveness.js';
import { startServices, type ServiceOptions, type StartedServices } from './services.js';
import { writeMonitoringFiles } from './monitoring.js';
import { claimState, readState, removeState, writeState, type StackState } from './state.js';

export interface UpOptions {
  stateDir: string;
  infra: InfraChoice;
  factory: ProviderFactory;
  detached: boolean;
  /** Default single. */
  topology?: Topology;
  services: ServiceOptions;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

/** The cluster's replication: three copies, and the topic's min.insync.replicas (store/consistency.ts). */
function replicationOf(topology: Topology) {
  if (topology !== 'cluster') return undefined;
  return { replicas: CLUSTER_SIZE, minInsyncReplicas: CLUSTER_STORE_DEFAULTS.minInsyncReplicas };
}

/** On a cluster, the services start at its defaults (QUORUM reads and writes, acks all) unless told otherwise; one node keeps its own. */
function withStoreDefaults(topology: Topology, services: ServiceOptions): ServiceOptions {
  if (topology !== 'cluster') return services;
  const d = storeServiceOptions(CLUSTER_STORE_DEFAULTS);
  return { ...services, gateway: { ...d.gateway, ...services.gateway }, persist: { ...d.persist, ...services.persist } };
}

export interface RunningStack {
  state: StackState;
  infra: StartedInfra;
  services: StartedServices;
  stop(): Promise<void>;
}

/**
 * Brings up the infrastructure, the schema and the services, recording each step in the state
 * file so that `status` and `down` (other processes) can find them. Any failure or abort stops
 * what was started and removes the state.
 */
export async function startStack(options: UpOptions): Promise<RunningStack> {
  const previous = readState(options.stateDir);
  if (previous) {
    if (stackAlive(previous)) {
      throw new ChatlabError(ErrorCodes.ALREADY_RUNNING, `a chatlab stack is already running (state: ${options.stateDir}); \`chatlab status\` shows it, \`chatlab down\` stops it`);
    }
    await stopStrays(options.stateDir);
    removeState(options.stateDir);
  }
  const state: StackState = {
    version: 1,
    phase: 'starting',
    stateDir: options.stateDir,
    cliPid: process.pid,
    detached: options.detached,
    startedAt: new Date().toISOString(),
    secret: crypto.randomBytes(32).toString('base64url'),
    versions: {},
    topology: options.topology ?? 'single',
    processes: [],
    containerIds: [],
    services: [],
  };
  if (!claimState(state)) {
    throw new ChatlabError(ErrorCodes.ALREADY_RUNNING, `another chatlab up is starting a stack in ${options.stateDir}`);
  }
  let infra: StartedInfra | undefined;
  let services: StartedServices | undefined;
  try {
    const provider = await selectProvider(options.infra, options.factory, (line) => options.onProgress?.({ component: 'infra', phase: 'preparing', detail: line }), state.topology);
    state.provider = provider.name;
    writeState(state);
    infra = await provider.start({ stateDir: options.stateDir, signal: options.signal, onProgress: options.onProgress, detached: options.detached, topology: state.topology });
    Object.assign(state, { endpoints: infra.endpoints, versions: infra.versions, processes: infra.processes, containerIds: infra.containerIds, nodes: infra.nodes, nodesBound: infra.nodesBound });
    writeState(state);
    options.onProgress?.({ component: 'schema', phase: 'starting', detail: 'keyspace, tables and topics' });
    await bootstrapInfra(infra.endpoints, { keyspace: DEFAULT_KEYSPACE, replication: replicationOf(state.topology) });
    options.onProgress?.({ component: 'schema', phase: 'ready' });
    if (options.signal?.aborted) throw new ChatlabError(ErrorCodes.ABORTED, 'start aborted');
    fs.mkdirSync(path.join(options.stateDir, 'services'), { recursive: true });
    services = await startServices({
      stateDir: options.stateDir,
      endpoints: infra.endpoints,
      keyspace: DEFAULT_KEYSPACE,
      secret: state.secret,
      options: withStoreDefaults(state.topology, options.services),
      signal: options.signal,
      onProgress: (component, phase, detail) => options.onProgress?.({ component, phase: phase as 'starting', detail }),
    });
    state.services = services.records;
    state.keyspace = DEFAULT_KEYSPACE;
    state.phase = 'running';
    writeState(state);
    writeMonitoringFiles(options.stateDir, state.services);
  } catch (err) {
    await services?.stop().catch(() => {});
    await infra?.stop().catch(() => {});
    await stopStrays(options.stateDir);
    removeState(options.stateDir);
    throw err;
  }
  const started = { infra, services };
  return {
    state,
    infra,
    services,
    async stop() {
      await started.services.stop().catch(() => {});
      await started.infra.stop().catch(() => {});
      await healAll(options.stateDir);
      await stopStrays(options.stateDir);
      removeState(options.stateDir);
    },
  };
}

import fs from 'node:fs';
import path from 'node:path';
import { freePorts, freePortsOnAll } from '../ports.js';
import { cassandraReleaseVersion, cassandraPeersUp } from '../checks.js';
import { evenTokens, type ClusterNode } from '../topology.js';
import { waitUntil } from '../readiness.js';
import { findJar } from './jars.js';
import { launch } from './launch.js';
import { boundEnv } from './bind-shim.js';
import { CASSANDRA_DEFAULT_HEAP, cassandraJvmArgs, cassandraYaml, LOGBACK_XML, type CassandraClusterNode } from './cassandra-config.js';
import type { StartedComponent, ProgressFn } from '../types.js';
import type { RunningProcess } from '../process.js';

export interface NativeCassandraOptions {
  dir: string;
  jarDir: string;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  heap?: string;
}

export interface StartedNativeCassandra extends StartedComponent {
  contactPoints: string[];
  localDataCenter: string;
  version: string;
  /** The cluster topology's nodes (absent for the single node). */
  nodes?: ClusterNode[];
}

/** SimpleSnitch puts the node in this data centre; clients must name it. */
export const NATIVE_DATA_CENTER = 'datacenter1';

interface NodeSpec {
  dir: string;
  name: string;
  ports: { native: number; storage: number; jmx: number };
  node?: CassandraClusterNode;
  extraEnv?: Record<string, string>;
}

/** Writes one node's files and starts it; resolves once it answers CQL on its own address. */
async function startNode(options: NativeCassandraOptions, spec: NodeSpec, heap: string): Promise<{ proc: RunningProcess; version: string }> {
  const dir = spec.dir;
  for (const sub of ['data', 'commitlog', 'saved_caches', 'hints', 'cdc_raw']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  fs.writeFileSync(path.join(dir, 'cassandra.yaml'), cassandraYaml(dir, spec.ports, spec.node ? { listen: spec.node.address, rpc: spec.node.address } : undefined, spec.node));
  fs.writeFileSync(path.join(dir, 'logback.xml'), LOGBACK_XML);
  const contactPoint = `${spec.node?.address ?? '127.0.0.1'}:${spec.ports.native}`;
  const { proc, result } = await launch({
    component: 'cassandra',
    name: spec.name,
    command: 'java',
    args: cassandraJvmArgs({ dir, jarDir: options.jarDir, jammJar: findJar(options.jarDir, 'jamm-'), heap, jmxPort: spec.ports.jmx, clustered: Boolean(spec.node) }),
    cwd: dir,
    logFile: path.join(dir, 'cassandra.log'),
    extraEnv: spec.extraEnv,
    marker: `file://${dir}/cassandra.yaml`,
    ready: () => cassandraReleaseVersion([contactPoint], NATIVE_DATA_CENTER),
    readyWhat: `SELECT release_version FROM system.local on ${contactPoint}`,
    timeoutMs: 180_000,
    signal: options.signal,
    onProgress: options.onProgress,
  });
  return { proc, version: result };
}

export async function startNativeCassandra(options: NativeCassandraOptions): Promise<StartedNativeCassandra> {
  const [native, storage, jmx] = (await freePorts(3)) as [number, number, number];
  const { proc, version } = await startNode(options, { dir: options.dir, name: 'cassandra', ports: { native, storage, jmx } }, options.heap ?? CASSANDRA_DEFAULT_HEAP);
  return {
    name: 'cassandra',
    contactPoints: [`127.0.0.1:${native}`],
    localDataCenter: NATIVE_DATA_CENTER,
    version,
    processes: [proc],
    containerIds: [],
    stop: () => proc.stop(20_000),
  };
}

/**
 * Three nodes started together, one per address: every node a seed, evenly spaced tokens, no
 * bootstrap streaming. Ready once every node answers CQL and sees the other two up. `shim` is
 * the bind library (bind-shim.ts) that makes each node's outgoing connections leave from its
 * own address; null leaves them on 127.0.0.1 (isolation faults then refuse to run).
 */
export async function startNativeCassandraCluster(options: NativeCassandraOptions & { addresses: string[]; shim: string | null }): Promise<StartedNativeCassandra> {
  const [native, storage] = (await freePortsOnAll(2, options.addresses)) as [number, number];
  const jmxPorts = await freePorts(options.addresses.length);
  const tokens = evenTokens(options.addresses.length);
  const seeds = options.addresses.map((a) => `${a}:${storage}`);
  const nodes: ClusterNode[] = options.addresses.map((address, i) => ({ id: `cassandra-${i + 1}`, address, port: native, jmxPort: jmxPorts[i]! }));
  const settled = await Promise.allSettled(
    nodes.map((n, i) =>
      startNode(
        options,
        {
          dir: path.join(options.dir, n.id),
          name: n.id,
          ports: { native, storage, jmx: n.jmxPort! },
          node: { address: n.address, seeds, initialToken: tokens[i]! },
          extraEnv: boundEnv(options.shim, n.address),
        },
        options.heap ?? '512m',
      ),
    ),
  );
  const procs = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.proc] : []));
  const stop = async () => {
    await Promise.all(procs.map((p) => p.stop(20_000)));
  };
  const failed = settled.find((s) => s.status === 'rejected') as PromiseRejectedResult | undefined;
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const contactPoints = nodes.map((n) => `${n.address}:${n.port}`);
  try {
    options.onProgress?.({ component: 'cassandra', phase: 'waiting', detail: 'every node to see the other two up' });
    await waitUntil(() => cassandraPeersUp(contactPoints, NATIVE_DATA_CENTER, nodes.length), {
      what: `${nodes.length} Cassandra nodes that see each other`,
      timeoutMs: 90_000,
      intervalMs: 500,
      signal: options.signal,
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    name: 'cassandra',
    contactPoints,
    localDataCenter: NATIVE_DATA_CENTER,
    version: (settled[0] as PromiseFulfilledResult<{ version: string }>).value.version,
    nodes,
    processes: procs,
    containerIds: [],
    stop,
  };
}

import fs from 'node:fs';
import path from 'node:path';
import { freePorts } from '../ports.js';
import { cassandraReleaseVersion } from '../checks.js';
import { findJar } from './jars.js';
import { launch } from './launch.js';
import { CASSANDRA_DEFAULT_HEAP, cassandraJvmArgs, cassandraYaml, LOGBACK_XML } from './cassandra-config.js';
import type { StartedComponent, ProgressFn } from '../types.js';

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
}

/** SimpleSnitch puts the node in this data centre; clients must name it. */
export const NATIVE_DATA_CENTER = 'datacenter1';

export async function startNativeCassandra(options: NativeCassandraOptions): Promise<StartedNativeCassandra> {
  const dir = options.dir;
  for (const sub of ['data', 'commitlog', 'saved_caches', 'hints', 'cdc_raw']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  const [nativePort, storagePort, jmxPort] = (await freePorts(3)) as [number, number, number];
  fs.writeFileSync(path.join(dir, 'cassandra.yaml'), cassandraYaml(dir, { native: nativePort, storage: storagePort, jmx: jmxPort }));
  fs.writeFileSync(path.join(dir, 'logback.xml'), LOGBACK_XML);
  const contactPoints = [`127.0.0.1:${nativePort}`];
  const { proc, result } = await launch({
    component: 'cassandra',
    name: 'cassandra',
    command: 'java',
    args: cassandraJvmArgs({ dir, jarDir: options.jarDir, jammJar: findJar(options.jarDir, 'jamm-'), heap: options.heap ?? CASSANDRA_DEFAULT_HEAP, jmxPort }),
    cwd: dir,
    logFile: path.join(dir, 'cassandra.log'),
    marker: `file://${dir}/cassandra.yaml`,
    ready: () => cassandraReleaseVersion(contactPoints, NATIVE_DATA_CENTER),
    readyWhat: `SELECT release_version FROM system.local on ${contactPoints[0]}`,
    timeoutMs: 180_000,
    signal: options.signal,
    onProgress: options.onProgress,
  });
  return {
    name: 'cassandra',
    contactPoints,
    localDataCenter: NATIVE_DATA_CENTER,
    version: result,
    processes: [proc],
    containerIds: [],
    stop: () => proc.stop(20_000),
  };
}

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { defaultCacheDir } from '../../core/index.js';
import { startAll } from '../start-all.js';
import { ensureJars, jarDir, type JarSet } from './jars.js';
import { startNativeRedis } from './redis.js';
import { startNativeKafka, startNativeKafkaCluster } from './kafka.js';
import { startNativeCassandra, startNativeCassandraCluster } from './cassandra.js';
import { ensureBindShim } from './bind-shim.js';
import { clusterAddresses, TOPOLOGIES } from '../topology.js';
import { startNativeSearch } from './opensearch.js';
import type { ComponentName, InfraProvider, StartOptions, StartedInfra } from '../types.js';

export interface NativeProviderOptions {
  cacheDir?: string;
  kafkaHeap?: string;
  cassandraHeap?: string;
  /** Default: CHATLAB_SEARCH_HEAP, else 512m. */
  searchHeap?: string;
  /** The cluster topology's /24 inside 127/8 (Cassandra on .2–.4, Kafka on .5–.7); default CHATLAB_CLUSTER_NET, else 127.0.0. */
  clusterNet?: string;
}

function onPath(command: string): boolean {
  return (process.env['PATH'] ?? '').split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir, command), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Runs the real processes on this machine: redis-server, and Kafka/Cassandra/OpenSearch jars on Java 17. */
export class NativeProvider implements InfraProvider {
  readonly name = 'native' as const;
  readonly topologies = TOPOLOGIES;
  private readonly cacheDir: string;

  /** Public so a test can see what a factory passed (heaps from the environment). */
  constructor(readonly options: NativeProviderOptions = {}) {
    this.cacheDir = options.cacheDir ?? defaultCacheDir();
  }

  async unavailableReason(): Promise<string | null> {
    const missing: string[] = [];
    const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
    const javaMajor = Number(/version "(\d+)/.exec(`${java.stderr}`)?.[1] ?? 0);
    if (java.error || javaMajor < 17) missing.push(`Java 17 or newer (${java.error ? 'java not found' : `found ${javaMajor}`}) — apt-get install -y openjdk-17-jdk-headless`);
    const jarsCached = (['kafka', 'cassandra', 'opensearch'] as const).every((s) => fs.existsSync(path.join(jarDir(this.cacheDir, s), '.complete')));
    if (!jarsCached && spawnSync('mvn', ['-v'], { encoding: 'utf8' }).error) missing.push('Maven, to fetch the Kafka, Cassandra and OpenSearch jars once — apt-get install -y maven');
    // the OpenSearch launcher is one Java file, compiled once (looked up on PATH: no extra JVM start)
    if (!java.error && !onPath('javac')) missing.push('a JDK 17 (javac), for the OpenSearch launcher — apt-get install -y openjdk-17-jdk-headless');
    if (spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).error) missing.push('redis-server — apt-get install -y redis-server');
    return missing.length ? `the native provider needs: ${missing.join('; ')}` : null;
  }

  async start(options: StartOptions): Promise<StartedInfra> {
    const progress = options.onProgress;
    const root = path.join(options.stateDir, 'native');
    fs.rmSync(root, { recursive: true, force: true });
    fs.mkdirSync(root, { recursive: true });
    const fetchJars = (set: JarSet, component: ComponentName = set as ComponentName) => {
      progress?.({ component, phase: 'preparing', detail: `resolving ${set} jars` });
      return ensureJars(this.cacheDir, set, (line) => progress?.({ component, phase: 'preparing', detail: line }));
    };
    const topology = options.topology ?? 'single';
    const shim = topology === 'cluster' ? await ensureBindShim(this.cacheDir) : { path: null, reason: '' };
    if (topology === 'cluster' && shim.path === null) {
      progress?.({ component: 'cassandra', phase: 'preparing', detail: `nodes' outgoing connections stay on 127.0.0.1, isolation faults will refuse: ${shim.reason}` });
    }
    const started = await startAll(
      {
        redis: (signal) => startNativeRedis({ dir: path.join(root, 'redis'), signal, onProgress: progress }),
        kafka: async (signal) => {
          const o = { dir: path.join(root, 'kafka'), jarDir: await fetchJars('kafka'), signal, onProgress: progress, heap: this.options.kafkaHeap };
          return topology === 'cluster' ? startNativeKafkaCluster({ ...o, addresses: clusterAddresses('kafka', this.options.clusterNet), shim: shim.path }) : startNativeKafka(o);
        },
        cassandra: async (signal) => {
          const o = { dir: path.join(root, 'cassandra'), jarDir: await fetchJars('cassandra'), signal, onProgress: progress, heap: this.options.cassandraHeap };
          return topology === 'cluster' ? startNativeCassandraCluster({ ...o, addresses: clusterAddresses('cassandra', this.options.clusterNet), shim: shim.path }) : startNativeCassandra(o);
        },
        search: async (signal) =>
          startNativeSearch({
            dir: path.join(root, 'search'),
            jarDir: await fetchJars('opensearch', 'search'),
            cacheDir: this.cacheDir,
            signal,
            onProgress: progress,
            heap: this.options.searchHeap,
          }),
      },
      { signal: options.signal, onProgress: progress },
    );
    const parts = [started.redis, started.kafka, started.cassandra, started.search];
    return {
      provider: 'native',
      endpoints: {
        redis: { url: started.redis.url },
        kafka: { brokers: started.kafka.brokers },
        cassandra: { contactPoints: started.cassandra.contactPoints, localDataCenter: started.cassandra.localDataCenter },
        search: { url: started.search.url },
      },
      processes: parts.flatMap((p) => p.processes.map(({ name, pid, marker, logFile, stopGraceMs, spawn }) => ({ name, pid, marker, logFile, stopGraceMs, spawn }))),
      containerIds: [],
      topology,
      ...(started.cassandra.nodes && started.kafka.nodes ? { nodes: { cassandra: started.cassandra.nodes, kafka: started.kafka.nodes }, nodesBound: shim.path !== null } : {}),
      versions: { redis: started.redis.version, kafka: started.kafka.version, cassandra: started.cassandra.version, search: `opensearch ${started.search.version}` },
      stop: async () => {
        await Promise.allSettled(parts.map((p) => p.stop()));
      },
    };
  }
}

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ChatlabError, ErrorCodes } from '../../core/index.js';
import { freePorts, freePortsOnAll } from '../ports.js';
import type { ClusterNode } from '../topology.js';
import { boundEnv } from './bind-shim.js';
import { kafkaMetadata } from '../checks.js';
import { launch } from './launch.js';
import { KAFKA_DEFAULT_HEAP, kafkaFormatArgs, kafkaJvmArgs, kafkaServerProperties, newKafkaClusterId, type KafkaClusterNode } from './kafka-config.js';
import type { StartedComponent, ProgressFn } from '../types.js';

export interface NativeKafkaOptions {
  dir: string;
  jarDir: string;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  heap?: string;
}

export interface StartedNativeKafka extends StartedComponent {
  brokers: string[];
  version: string;
  /** The cluster topology's brokers (absent for the single broker). */
  nodes?: ClusterNode[];
}

export async function startNativeKafka(options: NativeKafkaOptions): Promise<StartedNativeKafka> {
  fs.mkdirSync(options.dir, { recursive: true });
  const [brokerPort, controllerPort] = (await freePorts(2)) as [number, number];
  const logDir = path.join(options.dir, 'data');
  const config = path.join(options.dir, 'server.properties');
  fs.writeFileSync(config, kafkaServerProperties({ brokerPort, controllerPort, logDir }));
  const classpath = `${options.jarDir}/*`;
  const logFile = path.join(options.dir, 'kafka.log');

  options.onProgress?.({ component: 'kafka', phase: 'preparing', detail: 'formatting KRaft storage' });
  const clusterId = newKafkaClusterId();
  // not spawnSync: a JVM run of seconds would stall the other components' parallel start
  await formatStorage(classpath, clusterId, config, logFile);

  const brokers = [`127.0.0.1:${brokerPort}`];
  const heap = options.heap ?? KAFKA_DEFAULT_HEAP;
  const { proc } = await launch({
    component: 'kafka',
    name: 'kafka',
    command: 'java',
    args: kafkaJvmArgs({ heap, classpath, config }),
    cwd: options.dir,
    logFile,
    marker: config,
    ready: () => kafkaMetadata(brokers),
    readyWhat: `a Kafka metadata response from ${brokers[0]}`,
    timeoutMs: 90_000,
    signal: options.signal,
    onProgress: options.onProgress,
  });
  const version = /kafka_2\.13-([\d.]+)\.jar/.exec(fs.readdirSync(options.jarDir).join(' '))?.[1] ?? 'unknown';
  return { name: 'kafka', brokers, version, processes: [proc], containerIds: [], stop: () => proc.stop(15_000) };
}

/** Formats one node's KRaft storage (a JVM run of seconds: not spawnSync, the other components start meanwhile). */
async function formatStorage(classpath: string, clusterId: string, config: string, logFile: string): Promise<void> {
  const format = await new Promise<{ status: number | null; stdout: string; stderr: string; error?: Error }>((resolve) => {
    execFile('java', kafkaFormatArgs({ classpath, clusterId, config }), { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = (error as { code?: unknown } | null)?.code;
      resolve({ status: error ? (typeof code === 'number' ? code : null) : 0, stdout, stderr, error: error ?? undefined });
    });
  });
  fs.writeFileSync(logFile, `${format.stdout ?? ''}${format.stderr ?? ''}`);
  if (format.status !== 0) {
    throw new ChatlabError(ErrorCodes.INFRA_START, `kafka storage format failed (exit ${format.status ?? format.error?.message})`, {
      details: `${format.stderr ?? ''}`.split('\n').slice(-20).join('\n'),
    });
  }
}

/**
 * What the storage tool writes for another node of the same cluster: the same bootstrap
 * metadata, and a meta.properties naming that node and a directory id of its own. Formatting
 * each node with its own JVM run cost ~10 s of CPU apiece on 2 cores, at the busiest moment of
 * the start.
 */
function copyFormat(fromDir: string, toDir: string, nodeId: number): void {
  fs.mkdirSync(toDir, { recursive: true });
  fs.copyFileSync(path.join(fromDir, 'bootstrap.checkpoint'), path.join(toDir, 'bootstrap.checkpoint'));
  const meta = fs.readFileSync(path.join(fromDir, 'meta.properties'), 'utf8');
  // a Kafka Uuid prints as 22 base64url characters (newKafkaClusterId makes one of the same shape)
  fs.writeFileSync(path.join(toDir, 'meta.properties'), meta.replace(/^node\.id=.*$/m, `node.id=${nodeId}`).replace(/^directory\.id=.*$/m, `directory.id=${newKafkaClusterId()}`));
}

/** Three brokers, each also a controller, one per address, formatted with one cluster id; ready when metadata lists all three. */
export async function startNativeKafkaCluster(options: NativeKafkaOptions & { addresses: string[]; shim: string | null }): Promise<StartedNativeKafka> {
  const [brokerPort, controllerPort] = (await freePortsOnAll(2, options.addresses)) as [number, number];
  const voters: KafkaClusterNode[] = options.addresses.map((address, i) => ({ nodeId: i + 1, address, brokerPort, controllerPort }));
  const nodes: ClusterNode[] = voters.map((v) => ({ id: `kafka-${v.nodeId}`, address: v.address, port: brokerPort, brokerId: v.nodeId }));
  const brokers = nodes.map((n) => `${n.address}:${n.port}`);
  const classpath = `${options.jarDir}/*`;
  const specs = voters.map((self, i) => {
    const dir = path.join(options.dir, nodes[i]!.id);
    fs.mkdirSync(dir, { recursive: true });
    const config = path.join(dir, 'server.properties');
    fs.writeFileSync(config, kafkaServerProperties({ brokerPort, controllerPort, logDir: path.join(dir, 'data') }, { self, voters }));
    return { name: nodes[i]!.id, dir, config, logFile: path.join(dir, 'kafka.log'), extraEnv: boundEnv(options.shim, self.address) };
  });
  options.onProgress?.({ component: 'kafka', phase: 'preparing', detail: `formatting KRaft storage of ${specs.length} brokers` });
  await formatStorage(classpath, newKafkaClusterId(), specs[0]!.config, specs[0]!.logFile);
  for (const [i, s] of specs.entries()) if (i > 0) copyFormat(path.join(specs[0]!.dir, 'data'), path.join(s.dir, 'data'), voters[i]!.nodeId);
  const heap = options.heap ?? '384m';
  const settled = await Promise.allSettled(
    specs.map((s, i) =>
      launch({
        component: 'kafka',
        name: s.name,
        command: 'java',
        args: kafkaJvmArgs({ heap, classpath, config: s.config }),
        cwd: s.dir,
        logFile: s.logFile,
        extraEnv: s.extraEnv,
        marker: s.config,
        ready: async () => {
          const seen = await kafkaMetadata([brokers[i]!]);
          if (seen < specs.length) throw new Error(`metadata lists ${seen} of ${specs.length} brokers`);
          return seen;
        },
        readyWhat: `a Kafka metadata response from ${brokers[i]} listing ${specs.length} brokers`,
        timeoutMs: 90_000,
        signal: options.signal,
        onProgress: options.onProgress,
      }),
    ),
  );
  const procs = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value.proc] : []));
  const stop = async () => {
    await Promise.all(procs.map((p) => p.stop(15_000)));
  };
  const failed = settled.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const version = /kafka_2\.13-([\d.]+)\.jar/.exec(fs.readdirSync(options.jarDir).join(' '))?.[1] ?? 'unknown';
  return { name: 'kafka', brokers, version, nodes, processes: procs, containerIds: [], stop };
}

import crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ChatlabError, ErrorCodes } from '../../core/index.js';
import { freePorts, freePortsOnAll } from '../ports.js';
import type { ClusterNode } from '../topology.js';
import { boundEnv } from './bind-shim.js';
import { kafkaMetadata } from '../checks.js';
import { launch } from './launch.js';
import { SMALL_MACHINE_JVM_FLAGS } from './jvm-flags.js';
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

/** One broker of the cluster topology (also one of its controllers: combined roles). */
export interface KafkaClusterNode {
  nodeId: number;
  address: string;
  brokerPort: number;
  controllerPort: number;
}

/**
 * KRaft with broker and controller in one JVM. Alone (no `cluster`): node 1 on 127.0.0.1, every
 * replication factor 1. In a cluster of three: its own address, all three voters, every topic and
 * internal topic at replication factor 3 with min.insync.replicas 2, and no unclean election (an
 * out-of-sync replica never becomes leader and drops what the others had acknowledged).
 */
export function kafkaServerProperties(p: { brokerPort: number; controllerPort: number; logDir: string }, cluster?: { self: KafkaClusterNode; voters: KafkaClusterNode[] }): string {
  const address = cluster?.self.address ?? '127.0.0.1';
  const voters = cluster ? cluster.voters.map((v) => `${v.nodeId}@${v.address}:${v.controllerPort}`).join(',') : `1@127.0.0.1:${p.controllerPort}`;
  const rf = cluster ? cluster.voters.length : 1;
  const minIsr = cluster ? Math.min(2, rf) : 1;
  return [
    'process.roles=broker,controller',
    `node.id=${cluster?.self.nodeId ?? 1}`,
    `controller.quorum.voters=${voters}`,
    `listeners=PLAINTEXT://${address}:${p.brokerPort},CONTROLLER://${address}:${p.controllerPort}`,
    `advertised.listeners=PLAINTEXT://${address}:${p.brokerPort}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${p.logDir}`,
    'num.partitions=1',
    `offsets.topic.replication.factor=${rf}`,
    'offsets.topic.num.partitions=4',
    `transaction.state.log.replication.factor=${rf}`,
    `transaction.state.log.min.isr=${minIsr}`,
    `share.coordinator.state.topic.replication.factor=${rf}`,
    `share.coordinator.state.topic.min.isr=${minIsr}`,
    ...(cluster ? [`default.replication.factor=${rf}`, `min.insync.replicas=${minIsr}`, 'unclean.leader.election.enable=false'] : []),
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    // Sized for a small machine: at chatlab's rates one network thread and two request handlers
    // keep up, and fewer idle threads means fewer wake-ups (bench/cold-path.ts).
    'num.network.threads=1',
    'num.io.threads=2',
    'background.threads=2',
    'num.recovery.threads.per.data.dir=1',
    '',
  ].join('\n');
}

/** Formats one node's KRaft storage (a JVM run of seconds: not spawnSync, the other components start meanwhile). */
async function formatStorage(classpath: string, clusterId: string, config: string, logFile: string): Promise<void> {
  const format = await new Promise<{ status: number | null; stdout: string; stderr: string; error?: Error }>((resolve) => {
    execFile(
      'java',
      ['-cp', classpath, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '--config', config, '--ignore-formatted'],
      { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code;
        resolve({ status: error ? (typeof code === 'number' ? code : null) : 0, stdout, stderr, error: error ?? undefined });
      },
    );
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
  // a Kafka Uuid prints as 22 base64url characters; never one starting with '-' (see newClusterId)
  const directoryId = `A${crypto.randomBytes(16).toString('base64url').slice(0, 21)}`;
  fs.writeFileSync(path.join(toDir, 'meta.properties'), meta.replace(/^node\.id=.*$/m, `node.id=${nodeId}`).replace(/^directory\.id=.*$/m, `directory.id=${directoryId}`));
}

/** Kafka's own ids never start with '-' (its argument parser would take one for an option). */
function newClusterId(): string {
  return `A${crypto.randomBytes(16).toString('base64url').slice(0, 21)}`;
}

function kafkaVersion(jarDir: string): string {
  return /kafka_2\.13-([\d.]+)\.jar/.exec(fs.readdirSync(jarDir).join(' '))?.[1] ?? 'unknown';
}

function launchBroker(options: NativeKafkaOptions, p: { name: string; dir: string; config: string; logFile: string; brokers: string[]; heap: string; expectBrokers: number; extraEnv?: Record<string, string> }) {
  return launch({
    component: 'kafka',
    name: p.name,
    command: 'java',
    args: [`-Xms${p.heap}`, `-Xmx${p.heap}`, ...SMALL_MACHINE_JVM_FLAGS, '-Djava.awt.headless=true', '-cp', `${options.jarDir}/*`, 'kafka.Kafka', p.config],
    cwd: p.dir,
    logFile: p.logFile,
    extraEnv: p.extraEnv,
    marker: p.config,
    ready: async () => {
      const seen = await kafkaMetadata(p.brokers);
      if (seen < p.expectBrokers) throw new Error(`metadata lists ${seen} of ${p.expectBrokers} brokers`);
      return seen;
    },
    readyWhat: p.expectBrokers > 1 ? `a Kafka metadata response from ${p.brokers[0]} listing ${p.expectBrokers} brokers` : `a Kafka metadata response from ${p.brokers[0]}`,
    timeoutMs: 90_000,
    signal: options.signal,
    onProgress: options.onProgress,
  });
}

export async function startNativeKafka(options: NativeKafkaOptions): Promise<StartedNativeKafka> {
  fs.mkdirSync(options.dir, { recursive: true });
  const [brokerPort, controllerPort] = (await freePorts(2)) as [number, number];
  const logDir = path.join(options.dir, 'data');
  const config = path.join(options.dir, 'server.properties');
  fs.writeFileSync(config, kafkaServerProperties({ brokerPort, controllerPort, logDir }));
  const logFile = path.join(options.dir, 'kafka.log');
  options.onProgress?.({ component: 'kafka', phase: 'preparing', detail: 'formatting KRaft storage' });
  await formatStorage(`${options.jarDir}/*`, newClusterId(), config, logFile);
  const brokers = [`127.0.0.1:${brokerPort}`];
  const { proc } = await launchBroker(options, { name: 'kafka', dir: options.dir, config, logFile, brokers, heap: options.heap ?? '512m', expectBrokers: 1 });
  return { name: 'kafka', brokers, version: kafkaVersion(options.jarDir), processes: [proc], containerIds: [], stop: () => proc.stop(15_000) };
}

/** Three brokers, each also a controller, one per address, formatted with one cluster id; ready when metadata lists all three. */
export async function startNativeKafkaCluster(options: NativeKafkaOptions & { addresses: string[]; shim: string | null }): Promise<StartedNativeKafka> {
  const [brokerPort, controllerPort] = (await freePortsOnAll(2, options.addresses)) as [number, number];
  const voters: KafkaClusterNode[] = options.addresses.map((address, i) => ({ nodeId: i + 1, address, brokerPort, controllerPort }));
  const nodes: ClusterNode[] = voters.map((v) => ({ id: `kafka-${v.nodeId}`, address: v.address, port: brokerPort, brokerId: v.nodeId }));
  const brokers = nodes.map((n) => `${n.address}:${n.port}`);
  const clusterId = newClusterId();
  const specs = voters.map((self, i) => {
    const dir = path.join(options.dir, nodes[i]!.id);
    fs.mkdirSync(dir, { recursive: true });
    const config = path.join(dir, 'server.properties');
    fs.writeFileSync(config, kafkaServerProperties({ brokerPort, controllerPort, logDir: path.join(dir, 'data') }, { self, voters }));
    return { name: nodes[i]!.id, dir, config, logFile: path.join(dir, 'kafka.log'), extraEnv: boundEnv(options.shim, self.address) };
  });
  options.onProgress?.({ component: 'kafka', phase: 'preparing', detail: `formatting KRaft storage of ${specs.length} brokers` });
  await formatStorage(`${options.jarDir}/*`, clusterId, specs[0]!.config, specs[0]!.logFile);
  for (const [i, s] of specs.entries()) if (i > 0) copyFormat(path.join(specs[0]!.dir, 'data'), path.join(s.dir, 'data'), voters[i]!.nodeId);
  const heap = options.heap ?? '384m';
  const settled = await Promise.allSettled(specs.map((s, i) => launchBroker(options, { ...s, brokers: [brokers[i]!], heap, expectBrokers: specs.length })));
  const procs = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value.proc] : []));
  const stop = async () => {
    await Promise.all(procs.map((p) => p.stop(15_000)));
  };
  const failed = settled.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return { name: 'kafka', brokers, version: kafkaVersion(options.jarDir), nodes, processes: procs, containerIds: [], stop };
}

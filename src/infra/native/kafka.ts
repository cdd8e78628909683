import crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ChatlabError, ErrorCodes } from '../../core/index.js';
import { freePorts } from '../ports.js';
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
}

/** Single-node KRaft (broker + controller in one JVM), everything at replication factor 1. */
export function kafkaServerProperties(p: { brokerPort: number; controllerPort: number; logDir: string }): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${p.controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${p.brokerPort},CONTROLLER://127.0.0.1:${p.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${p.brokerPort}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${p.logDir}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=4',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
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

export async function startNativeKafka(options: NativeKafkaOptions): Promise<StartedNativeKafka> {
  fs.mkdirSync(options.dir, { recursive: true });
  const [brokerPort, controllerPort] = (await freePorts(2)) as [number, number];
  const logDir = path.join(options.dir, 'data');
  const config = path.join(options.dir, 'server.properties');
  fs.writeFileSync(config, kafkaServerProperties({ brokerPort, controllerPort, logDir }));
  const classpath = `${options.jarDir}/*`;
  const logFile = path.join(options.dir, 'kafka.log');

  options.onProgress?.({ component: 'kafka', phase: 'preparing', detail: 'formatting KRaft storage' });
  // Kafka's own ids never start with '-' (its argument parser would take one for an option)
  const clusterId = `A${crypto.randomBytes(16).toString('base64url').slice(0, 21)}`;
  // not spawnSync: a JVM run of seconds would stall the other components' parallel start
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

  const brokers = [`127.0.0.1:${brokerPort}`];
  const heap = options.heap ?? '512m';
  const { proc } = await launch({
    component: 'kafka',
    name: 'kafka',
    command: 'java',
    args: [`-Xms${heap}`, `-Xmx${heap}`, ...SMALL_MACHINE_JVM_FLAGS, '-Djava.awt.headless=true', '-cp', classpath, 'kafka.Kafka', config],
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

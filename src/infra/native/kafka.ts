import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ChatlabError, ErrorCodes } from '../../core/index.js';
import { freePorts } from '../ports.js';
import { kafkaMetadata } from '../checks.js';
import { launch } from './launch.js';
import { KAFKA_DEFAULT_HEAP, kafkaFormatArgs, kafkaJvmArgs, kafkaServerProperties, newKafkaClusterId } from './kafka-config.js';
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
  const format = await new Promise<{ status: number | null; stdout: string; stderr: string; error?: Error }>((resolve) => {
    execFile(
      'java',
      kafkaFormatArgs({ classpath, clusterId, config }),
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

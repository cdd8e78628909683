import crypto from 'node:crypto';
import { SMALL_MACHINE_JVM_FLAGS } from './jvm-flags.js';

/**
 * Files and flags for a single-node Kafka 4.1 (KRaft), the one source for every provider: the
 * native provider writes them on this machine, the containers provider copies the same file into
 * the container and runs the same java command line there.
 */
export interface KafkaListen {
  brokerPort: number;
  controllerPort: number;
  logDir: string;
  /** Where the client listener binds: loopback natively, every interface in a container. */
  bindHost?: string;
  /** What clients are told to connect to (the host side of a port mapping). */
  advertisedHost?: string;
}

export const KAFKA_DEFAULT_HEAP = '512m';

/** Single-node KRaft (broker + controller in one JVM), everything at replication factor 1. */
export function kafkaServerProperties(p: KafkaListen): string {
  const bind = p.bindHost ?? '127.0.0.1';
  const advertised = p.advertisedHost ?? '127.0.0.1';
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${p.controllerPort}`,
    `listeners=PLAINTEXT://${bind}:${p.brokerPort},CONTROLLER://127.0.0.1:${p.controllerPort}`,
    `advertised.listeners=PLAINTEXT://${advertised}:${p.brokerPort}`,
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

/** Kafka's own ids never start with '-' (its argument parser would take one for an option). */
export function newKafkaClusterId(): string {
  return `A${crypto.randomBytes(16).toString('base64url').slice(0, 21)}`;
}

/** Formats the KRaft storage once (a no-op when already formatted). */
export function kafkaFormatArgs(p: { classpath: string; clusterId: string; config: string }): string[] {
  return ['-cp', p.classpath, 'kafka.tools.StorageTool', 'format', `--cluster-id=${p.clusterId}`, '--config', p.config, '--ignore-formatted'];
}

export function kafkaJvmArgs(p: { heap: string; classpath: string; config: string }): string[] {
  return [`-Xms${p.heap}`, `-Xmx${p.heap}`, ...SMALL_MACHINE_JVM_FLAGS, '-Djava.awt.headless=true', '-cp', p.classpath, 'kafka.Kafka', p.config];
}

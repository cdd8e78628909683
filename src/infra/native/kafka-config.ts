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

/** One broker of the cluster topology (also one of its controllers: combined roles). */
export interface KafkaClusterNode {
  nodeId: number;
  address: string;
  brokerPort: number;
  controllerPort: number;
}

/**
 * KRaft with broker and controller in one JVM. Alone (no `cluster`): node 1, every replication
 * factor 1. In a cluster of three: its own address, all three voters, every topic and internal
 * topic at replication factor 3 with min.insync.replicas 2, and no unclean election (an
 * out-of-sync replica never becomes leader and drops what the others had acknowledged).
 */
export function kafkaServerProperties(p: KafkaListen, cluster?: { self: KafkaClusterNode; voters: KafkaClusterNode[] }): string {
  const bind = cluster?.self.address ?? p.bindHost ?? '127.0.0.1';
  const advertised = cluster?.self.address ?? p.advertisedHost ?? '127.0.0.1';
  const controllerHost = cluster?.self.address ?? '127.0.0.1';
  const voters = cluster ? cluster.voters.map((v) => `${v.nodeId}@${v.address}:${v.controllerPort}`).join(',') : `1@127.0.0.1:${p.controllerPort}`;
  const rf = cluster ? cluster.voters.length : 1;
  const minIsr = cluster ? Math.min(2, rf) : 1;
  return [
    'process.roles=broker,controller',
    `node.id=${cluster?.self.nodeId ?? 1}`,
    `controller.quorum.voters=${voters}`,
    `listeners=PLAINTEXT://${bind}:${p.brokerPort},CONTROLLER://${controllerHost}:${p.controllerPort}`,
    `advertised.listeners=PLAINTEXT://${advertised}:${p.brokerPort}`,
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

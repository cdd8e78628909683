/** Files and flags for Cassandra 5.0 on Java 17: one node (the single topology), or one node of three. */
import { SMALL_MACHINE_JVM_FLAGS } from './jvm-flags.js';

export interface CassandraPorts {
  native: number;
  storage: number;
  jmx: number;
}

/** Where the node listens: loopback natively; in a container clients come through a port mapping. */
export interface CassandraAddresses {
  listen: string;
  rpc: string;
  /** Required by Cassandra when rpc is 0.0.0.0: the address it tells clients. */
  broadcastRpc?: string;
}

const LOOPBACK: CassandraAddresses = { listen: '127.0.0.1', rpc: '127.0.0.1' };

/** A node of the cluster topology: its own address, every node a seed, its own evenly spaced token. */
export interface CassandraClusterNode {
  address: string;
  /** `address:storagePort` of every node (this one included). */
  seeds: string[];
  initialToken: string;
}
export const CASSANDRA_DEFAULT_HEAP = '1g';

/** Only keys valid for 5.0: it refuses to start on an unknown key. */
export function cassandraYaml(dir: string, ports: CassandraPorts, at: CassandraAddresses = LOOPBACK, node?: CassandraClusterNode): string {
  const seeds = node ? node.seeds.join(',') : `${at.listen}:${ports.storage}`;
  // nodes start together with their tokens given: nothing to stream, no bootstrap to wait for
  const cluster = node ? `initial_token: ${node.initialToken}\nauto_bootstrap: false\n` : '';
  return `cluster_name: chatlab
num_tokens: 1
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
commitlog_sync: periodic
commitlog_sync_period: 10000ms
commitlog_directory: ${dir}/commitlog
data_file_directories:
  - ${dir}/data
saved_caches_directory: ${dir}/saved_caches
hints_directory: ${dir}/hints
cdc_raw_directory: ${dir}/cdc_raw
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "${seeds}"
listen_address: ${at.listen}
rpc_address: ${at.rpc}
${at.broadcastRpc ? `broadcast_rpc_address: ${at.broadcastRpc}\n` : ''}storage_port: ${ports.storage}
native_transport_port: ${ports.native}
start_native_transport: true
endpoint_snitch: SimpleSnitch
authenticator: AllowAllAuthenticator
authorizer: AllowAllAuthorizer
concurrent_reads: 8
concurrent_writes: 16
batch_size_warn_threshold: 64KiB
batch_size_fail_threshold: 640KiB
# the persist worker packs rows of many partitions into one unlogged batch (one request)
unlogged_batch_across_partitions_warn_threshold: 1000
${cluster}`;
}

export const LOGBACK_XML = `<configuration>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{20} - %msg%n</pattern></encoder>
  </appender>
  <logger name="org.apache.cassandra" level="INFO"/>
  <root level="WARN"><appender-ref ref="STDOUT"/></root>
</configuration>
`;

/** The JPMS flags of Cassandra's conf/jvm17-server.options. */
export const JVM17_FLAGS = [
  '-Djdk.attach.allowAttachSelf=true',
  ...[
    'java.base/jdk.internal.misc',
    'java.management.rmi/com.sun.jmx.remote.internal.rmi',
    'java.rmi/sun.rmi.registry',
    'java.rmi/sun.rmi.server',
    'java.sql/java.sql',
    'java.base/java.lang.ref',
    'jdk.unsupported/sun.misc',
    'jdk.compiler/com.sun.tools.javac.file',
    'jdk.attach/sun.tools.attach',
  ].flatMap((m) => ['--add-exports', `${m}=ALL-UNNAMED`]),
  ...[
    'java.base/java.lang.module',
    'java.base/jdk.internal.loader',
    'java.base/jdk.internal.ref',
    'java.base/jdk.internal.reflect',
    'java.base/jdk.internal.math',
    'java.base/jdk.internal.module',
    'java.base/jdk.internal.util.jar',
    'jdk.management/com.sun.management.internal',
    'java.base/sun.nio.ch',
    'java.base/java.io',
    'java.base/java.lang.reflect',
    'jdk.compiler/com.sun.tools.javac',
    'java.base/java.lang',
    'java.base/java.util',
  ].flatMap((m) => ['--add-opens', `${m}=ALL-UNNAMED`]),
];

/**
 * Cassandra's own knobs for a small machine. `approximate_time_precision_ms` (default 2): the
 * ScheduledFastTasks thread refreshes the coarse clock that often, 500 wake-ups a second; idle,
 * it was Cassandra's busiest thread after the JIT (~2% of a core). The coarse clock only times
 * out requests and stamps queue entries, where 10 ms is precise enough.
 */
const SMALL_MACHINE_CASSANDRA_PROPERTIES = ['-Dcassandra.approximate_time_precision_ms=10'];

/**
 * A node of three starts with its token in cassandra.yaml, and waits for gossip only briefly
 * (ring delay 1 s, not 30): the nodes start together and know each other as seeds.
 */
const CLUSTER_NODE_PROPERTIES = ['-Dcassandra.ring_delay_ms=1000', '-Djava.net.preferIPv4Stack=true'];
/**
 * A single node skips the system keyspaces' commit log (`unsafesystem`): nothing to lose when it
 * is the only copy of a throwaway stack. A node of three must keep it: killed with -9 it would
 * come back without the schema (seen: "keyspace chatlab does not exist" on the restarted node).
 */
const SINGLE_NODE_PROPERTIES = ['-Dcassandra.initial_token=0', '-Dcassandra.unsafesystem=true'];

/** Without jammJar the caller adds the -javaagent flag itself (a container resolves the jar's name in its shell). */
export function cassandraJvmArgs(p: { dir: string; jarDir: string; jammJar?: string; heap: string; jmxPort: number; clustered?: boolean }): string[] {
  return [
    `-Xms${p.heap}`,
    `-Xmx${p.heap}`,
    '-Xss512k',
    ...SMALL_MACHINE_JVM_FLAGS,
    ...JVM17_FLAGS,
    '-Dio.netty.tryReflectionSetAccessible=true',
    ...(p.jammJar ? [`-javaagent:${p.jammJar}`] : []),
    `-Dcassandra.config=file://${p.dir}/cassandra.yaml`,
    `-Dlogback.configurationFile=${p.dir}/logback.xml`,
    `-Dcassandra.storagedir=${p.dir}`,
    `-Dcassandra.logdir=${p.dir}`,
    '-Dcassandra-foreground=yes',
    `-Dcassandra.jmx.local.port=${p.jmxPort}`,
    // fast dev boot (a single node takes token 0; a node of three has its own in cassandra.yaml)
    ...(p.clustered ? CLUSTER_NODE_PROPERTIES : SINGLE_NODE_PROPERTIES),
    '-Dcassandra.skip_wait_for_gossip_to_settle=0',
    '-Dcassandra.load_ring_state=false',
    ...SMALL_MACHINE_CASSANDRA_PROPERTIES,
    '-cp',
    `${p.jarDir}/*`,
    'org.apache.cassandra.service.CassandraDaemon',
  ];
}


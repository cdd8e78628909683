import { CASSANDRA_DEFAULT_HEAP, cassandraJvmArgs, cassandraYaml, LOGBACK_XML } from '../native/cassandra-config.js';
import { KAFKA_DEFAULT_HEAP, kafkaFormatArgs, kafkaJvmArgs, kafkaServerProperties, newKafkaClusterId } from '../native/kafka-config.js';
import { LOG4J2_PROPERTIES, SEARCH_DEFAULT_HEAP, opensearchJvmArgs, opensearchYml } from '../native/opensearch-config.js';
import { redisArgs, redisSettings } from '../native/redis-config.js';
import { IMAGE_PORTS, IN_IMAGE, searchClasspathInImage } from '../images/recipes.js';
import type { ComponentName } from '../types.js';

/**
 * How the containers provider runs each part: an explicit command and the configuration files the
 * native provider writes (same generators, container paths and binds), copied in before start. The
 * command depends only on the official images' layout, which the local images copy, so official
 * and local images run the same node. The exception is OpenSearch's official image: it is a
 * distribution with its own start script, so it gets the same opensearch.yml and keeps its command.
 */
export interface PartSpec {
  part: ComponentName;
  image: string;
  /** undefined: the image's own command. */
  command?: string[];
  env: Record<string, string>;
  files: Array<{ content: string; target: string }>;
  /** The client port in the container, and the host port when it must be fixed (Kafka advertises it). */
  port: number;
  hostPort?: number;
  /**
   * A log line to wait for before the readiness check. Docker's port proxy accepts connections
   * before the node listens; the CQL driver then leaves a 60 s request timer per early attempt,
   * which keeps `up --detach` from exiting for a minute.
   */
  logReady?: RegExp;
}

export interface Heaps {
  kafkaHeap?: string;
  cassandraHeap?: string;
  searchHeap?: string;
}

export function redisSpec(image: string): PartSpec {
  return {
    part: 'redis',
    image,
    command: ['redis-server', ...redisArgs(redisSettings({ port: IMAGE_PORTS.redis, bind: '0.0.0.0', dir: IN_IMAGE.redisData }))],
    env: {},
    files: [],
    port: IMAGE_PORTS.redis,
  };
}

/**
 * Kafka tells clients the address to use: the host side of the mapping. The container listens on
 * the same port number as the host, chosen free beforehand, so what it advertises is reachable.
 */
export function kafkaSpec(image: string, hostPort: number, advertisedHost: string, heaps: Heaps = {}): PartSpec {
  const config = '/etc/chatlab/kafka/server.properties';
  const classpath = `${IN_IMAGE.kafkaLibs}/*`;
  const q = (s: string) => `'${s}'`;
  const format = kafkaFormatArgs({ classpath, clusterId: newKafkaClusterId(), config }).map(q).join(' ');
  const start = kafkaJvmArgs({ heap: heaps.kafkaHeap ?? KAFKA_DEFAULT_HEAP, classpath, config }).map(q).join(' ');
  return {
    part: 'kafka',
    image,
    command: ['sh', '-c', `java ${format} && exec java ${start}`],
    env: {},
    files: [{ target: config, content: kafkaServerProperties({ brokerPort: hostPort, controllerPort: IMAGE_PORTS.kafkaController, logDir: IN_IMAGE.kafkaData, bindHost: '0.0.0.0', advertisedHost }) }],
    port: hostPort,
    hostPort,
  };
}

export function cassandraSpec(image: string, heaps: Heaps = {}): PartSpec {
  const home = IN_IMAGE.cassandraHome;
  const args = cassandraJvmArgs({ dir: home, jarDir: IN_IMAGE.cassandraLib, heap: heaps.cassandraHeap ?? CASSANDRA_DEFAULT_HEAP, jmxPort: IMAGE_PORTS.cassandraJmx });
  return {
    part: 'cassandra',
    image,
    // the jamm agent's file name differs between builds: the container's shell finds it
    command: ['sh', '-c', `exec java -javaagent:"$(ls ${IN_IMAGE.cassandraLib}/jamm-*.jar | head -n 1)" "$@"`, 'cassandra', ...args],
    env: {},
    files: [
      {
        target: `${home}/cassandra.yaml`,
        content: cassandraYaml(home, { native: IMAGE_PORTS.cassandra, storage: IMAGE_PORTS.cassandraStorage, jmx: IMAGE_PORTS.cassandraJmx }, { listen: '127.0.0.1', rpc: '0.0.0.0', broadcastRpc: '127.0.0.1' }),
      },
      { target: `${home}/logback.xml`, content: LOGBACK_XML },
    ],
    port: IMAGE_PORTS.cassandra,
    logReady: /Starting listening for CQL clients/,
  };
}

/** `layout`: local images start the node through the launcher, as natively; the official one through its distribution. */
export function searchSpec(image: string, layout: 'launcher' | 'distribution', processors: number, heaps: Heaps = {}): PartSpec {
  const home = IN_IMAGE.searchHome;
  const heap = heaps.searchHeap ?? SEARCH_DEFAULT_HEAP;
  const files = [
    { target: `${home}/config/opensearch.yml`, content: opensearchYml(home, { http: IMAGE_PORTS.search, transport: IMAGE_PORTS.searchTransport }, processors, '0.0.0.0') },
    { target: `${home}/config/log4j2.properties`, content: LOG4J2_PROPERTIES },
  ];
  if (layout === 'distribution') {
    return {
      part: 'search',
      image,
      env: { DISABLE_SECURITY_PLUGIN: 'true', DISABLE_INSTALL_DEMO_CONFIG: 'true', OPENSEARCH_JAVA_OPTS: `-Xms${heap} -Xmx${heap}` },
      files: files.slice(0, 1),
      port: IMAGE_PORTS.search,
    };
  }
  return {
    part: 'search',
    image,
    command: ['java', ...opensearchJvmArgs({ dir: home, classpath: searchClasspathInImage, heap })],
    env: {},
    files,
    port: IMAGE_PORTS.search,
  };
}

import { CASSANDRA_DEFAULT_HEAP, cassandraJvmArgs, cassandraYaml, LOGBACK_XML } from '../native/cassandra-config.js';
import { KAFKA_DEFAULT_HEAP, kafkaFormatArgs, kafkaJvmArgs, kafkaServerProperties } from '../native/kafka-config.js';
import { LOG4J2_PROPERTIES, SEARCH_DEFAULT_HEAP, opensearchJvmArgs, opensearchYml } from '../native/opensearch-config.js';
import { redisArgs, redisSettings } from '../native/redis-config.js';
import type { ComponentName } from '../types.js';

/**
 * Where each part lives inside an image: the official images' layout, so that one explicit
 * command (containers/parts.ts) runs on an official image and on ours alike.
 */
export const IN_IMAGE = {
  redisData: '/data',
  kafkaLibs: '/opt/kafka/libs',
  kafkaData: '/var/lib/kafka/data',
  cassandraLib: '/opt/cassandra/lib',
  cassandraHome: '/var/lib/cassandra',
  searchHome: '/usr/share/opensearch',
} as const;

/** The ports of the official images. */
export const IMAGE_PORTS = { redis: 6379, kafka: 9092, kafkaController: 9093, cassandra: 9042, cassandraStorage: 7000, cassandraJmx: 7199, search: 9200, searchTransport: 9300 } as const;

export const SEARCH_LAUNCHER_JAR = `${IN_IMAGE.searchHome}/launcher.jar`;
export const searchClasspathInImage = `${IN_IMAGE.searchHome}/lib/*:${SEARCH_LAUNCHER_JAR}`;

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const shellArgs = (args: string[]) => args.map(q).join(' ');

/** What goes into one image's build context besides the jars: its Dockerfile and small files. */
export interface Recipe {
  part: ComponentName;
  dockerfile: string;
  files: Record<string, string>;
  /** Context folder -> a folder of jars (hard-linked or copied in). */
  jarDirs: Record<string, string>;
  /** Context file -> a file on this machine (the compiled OpenSearch launcher). */
  copies: Record<string, string>;
}

const header = (base: string, title: string) => `FROM ${base}\nLABEL org.opencontainers.image.title="${title}" org.opencontainers.image.source="chatlab scripts/build-images.sh"\n`;

export function redisRecipe(base: string): Recipe {
  const command = ['redis-server', ...redisArgs(redisSettings({ port: IMAGE_PORTS.redis, bind: '0.0.0.0', dir: IN_IMAGE.redisData }))];
  return {
    part: 'redis',
    dockerfile: `${header(base, 'chatlab redis (Debian redis-server 7.0)')}WORKDIR ${IN_IMAGE.redisData}\nEXPOSE ${IMAGE_PORTS.redis}\nCMD ${JSON.stringify(command)}\n`,
    files: {},
    jarDirs: {},
    copies: {},
  };
}

/** apache/kafka's contract: KAFKA_<NAME> variables set server.properties keys, CLUSTER_ID, KAFKA_HEAP_OPTS. */
export function kafkaRecipe(base: string, jarDir: string): Recipe {
  const config = '/opt/kafka/config/server.properties';
  const run = '/tmp/server.properties';
  const classpath = `${IN_IMAGE.kafkaLibs}/*`;
  const jvm = kafkaJvmArgs({ heap: KAFKA_DEFAULT_HEAP, classpath, config: run });
  const start = `#!/bin/sh
# Each KAFKA_<NAME> variable sets <name> in server.properties (lower case; _ is a dot, __ an
# underscore, ___ a dash), as apache/kafka does; CLUSTER_ID names the cluster; KAFKA_HEAP_OPTS
# replaces the heap flags.
set -e
cp ${config} ${run}
env | grep '^KAFKA_' | grep -v -e '^KAFKA_HEAP_OPTS=' -e '^KAFKA_OPTS=' | while IFS='=' read -r name value; do
  key=$(printf '%s' "\${name#KAFKA_}" | tr 'A-Z' 'a-z' | sed 's/___/-/g; s/__/%/g; s/_/./g; s/%/_/g')
  grep -v "^$key=" ${run} > ${run}.new || true
  mv ${run}.new ${run}
  printf '%s=%s\\n' "$key" "$value" >> ${run}
done
java ${shellArgs(kafkaFormatArgs({ classpath, clusterId: 'CLUSTERID', config: run })).replace(`'--cluster-id=CLUSTERID'`, '"--cluster-id=${CLUSTER_ID:-AchatlabLocalKafka0001}"')}
exec java ${shellArgs(jvm.slice(0, 2))} $KAFKA_HEAP_OPTS ${shellArgs(jvm.slice(2))}
`;
  return {
    part: 'kafka',
    dockerfile: `${header(base, 'chatlab kafka (Apache Kafka 4.1 jars)')}COPY libs/ ${IN_IMAGE.kafkaLibs}/
COPY server.properties ${config}
COPY run /etc/kafka/docker/run
RUN mkdir -p ${IN_IMAGE.kafkaData} && chmod 755 /etc/kafka/docker/run
WORKDIR /opt/kafka
EXPOSE ${IMAGE_PORTS.kafka}
CMD ["/etc/kafka/docker/run"]
`,
    files: {
      'server.properties': kafkaServerProperties({
        brokerPort: IMAGE_PORTS.kafka,
        controllerPort: IMAGE_PORTS.kafkaController,
        logDir: IN_IMAGE.kafkaData,
        bindHost: '0.0.0.0',
        advertisedHost: '127.0.0.1',
      }),
      run: start,
    },
    jarDirs: { libs: jarDir },
    copies: {},
  };
}

/** The official image's MAX_HEAP_SIZE; one node in data centre datacenter1 (what CASSANDRA_DC names in docker-compose.yml). */
export function cassandraRecipe(base: string, jarDir: string): Recipe {
  const home = IN_IMAGE.cassandraHome;
  const jvm = cassandraJvmArgs({ dir: home, jarDir: IN_IMAGE.cassandraLib, heap: CASSANDRA_DEFAULT_HEAP, jmxPort: IMAGE_PORTS.cassandraJmx });
  const start = `#!/bin/sh
# MAX_HEAP_SIZE as in the official image; the node is alone in datacenter1.
set -e
heap=\${MAX_HEAP_SIZE:-${CASSANDRA_DEFAULT_HEAP}}
exec java -javaagent:"$(ls ${IN_IMAGE.cassandraLib}/jamm-*.jar | head -n 1)" "-Xms$heap" "-Xmx$heap" ${shellArgs(jvm.slice(2))}
`;
  return {
    part: 'cassandra',
    dockerfile: `${header(base, 'chatlab cassandra (Apache Cassandra 5.0 jars)')}COPY lib/ ${IN_IMAGE.cassandraLib}/
COPY cassandra.yaml logback.xml ${home}/
COPY start /usr/local/bin/docker-entrypoint.sh
RUN chmod 755 /usr/local/bin/docker-entrypoint.sh
WORKDIR ${home}
EXPOSE ${IMAGE_PORTS.cassandra}
CMD ["/usr/local/bin/docker-entrypoint.sh"]
`,
    files: {
      'cassandra.yaml': cassandraYaml(home, { native: IMAGE_PORTS.cassandra, storage: IMAGE_PORTS.cassandraStorage, jmx: IMAGE_PORTS.cassandraJmx }, { listen: '127.0.0.1', rpc: '0.0.0.0', broadcastRpc: '127.0.0.1' }),
      'logback.xml': LOGBACK_XML,
      start,
    },
    jarDirs: { lib: jarDir },
    copies: {},
  };
}

/**
 * The official image's OPENSEARCH_JAVA_OPTS, and settings passed as variables with a dot in the
 * name (discovery.type=single-node) added to opensearch.yml. The jars have no security plugin:
 * plain HTTP, as with the official image and DISABLE_SECURITY_PLUGIN=true.
 */
export function searchRecipe(base: string, jarDir: string, launcherJar: string): Recipe {
  const home = IN_IMAGE.searchHome;
  const jvm = opensearchJvmArgs({ dir: home, classpath: searchClasspathInImage, heap: SEARCH_DEFAULT_HEAP });
  const yml = `${home}/config/opensearch.yml`;
  const start = `#!/bin/sh
set -e
n=$(nproc); [ "$n" -gt 2 ] && n=2
sed "s/^node.processors: .*/node.processors: $n/" ${home}/config/opensearch.default.yml > ${yml}
env | grep -E '^[a-z0-9_]+\\.[a-z0-9_.]+=' | while IFS='=' read -r key value; do
  grep -v "^$key:" ${yml} > /tmp/opensearch.yml || true
  printf '%s: %s\\n' "$key" "$value" >> /tmp/opensearch.yml
  cat /tmp/opensearch.yml > ${yml}
done
exec java ${shellArgs(jvm.slice(0, jvm.indexOf('-cp')))} $OPENSEARCH_JAVA_OPTS ${shellArgs(jvm.slice(jvm.indexOf('-cp')))}
`;
  return {
    part: 'search',
    dockerfile: `${header(base, 'chatlab opensearch (OpenSearch 2.19 jars, no distribution)')}COPY lib/ ${home}/lib/
COPY launcher.jar ${SEARCH_LAUNCHER_JAR}
COPY opensearch.default.yml log4j2.properties ${home}/config/
COPY start ${home}/opensearch-docker-entrypoint.sh
RUN mkdir -p ${home}/data ${home}/logs ${home}/tmp && chmod 755 ${home}/opensearch-docker-entrypoint.sh
WORKDIR ${home}
EXPOSE ${IMAGE_PORTS.search}
CMD ["${home}/opensearch-docker-entrypoint.sh"]
`,
    files: {
      'opensearch.default.yml': opensearchYml(home, { http: IMAGE_PORTS.search, transport: IMAGE_PORTS.searchTransport }, 2, '0.0.0.0'),
      'log4j2.properties': LOG4J2_PROPERTIES,
      start,
    },
    jarDirs: { lib: jarDir },
    copies: { 'launcher.jar': launcherJar },
  };
}

import path from 'node:path';
import { packageRoot } from '../../core/index.js';

/** Files and flags for a single-node OpenSearch 2.19 on Java 17, started without a distribution. */

export interface OpenSearchPorts {
  http: number;
  transport: number;
}

export const SEARCH_DEFAULT_HEAP = '512m';

/** The single-file launcher (shipped in src/, like the poms), compiled once into the cache. */
export function launcherSource(): string {
  return path.join(packageRoot(), 'src', 'infra', 'native', 'opensearch', 'Launcher.java');
}

/**
 * Node settings: loopback only, one node, sized for a 2-core machine. Index-level defaults are
 * refused in node settings; the replica count's cluster-wide default (0 on one node) is a
 * persistent cluster setting, applied over HTTP once the node is up (applySingleNodeDefaults).
 */
export function opensearchYml(dir: string, ports: OpenSearchPorts, processors: number, host = '127.0.0.1'): string {
  return `cluster.name: chatlab
node.name: chatlab-search
path.data: ${path.join(dir, 'data')}
path.logs: ${path.join(dir, 'logs')}
network.host: ${host}
http.port: ${ports.http}
transport.port: ${ports.transport}
discovery.type: single-node
node.processors: ${processors}
# a shared dev disk is often past the 95% flood stage: that would make every index read-only
cluster.routing.allocation.disk.threshold_enabled: false
# with a small heap the real-memory breaker trips on G1's garbage, not on real pressure
indices.breaker.total.use_real_memory: false
# node stats polling (disk usage, for allocation) every 30 s is not needed on one node
cluster.info.update.interval: 5m
`;
}

/** Console only: chatlab sends stdout to the component's log file. */
export const LOG4J2_PROPERTIES = `status = error
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d{HH:mm:ss,SSS}][%-5p][%c{1.}] %m%n
rootLogger.level = info
rootLogger.appenderRef.console.ref = console
logger.deprecation.name = org.opensearch.deprecation
logger.deprecation.level = error
`;

/** Jars only: class-data sharing refuses a class path with a non-empty directory in it. */
export function opensearchClasspath(jarDir: string, launcherJar: string): string {
  return `${jarDir}/*:${launcherJar}`;
}

/**
 * The system and jvm.options flags of a 2.19 distribution that matter here (not AlwaysPreTouch:
 * it would make the whole heap resident at once), then the launcher and the node's home.
 */
export function opensearchJvmArgs(p: { dir: string; classpath: string; heap: string; classData?: string }): string[] {
  return [
    // the class-data archive (see classDataArchive): a third of the start's CPU and ~80 MB of RSS
    ...(p.classData ? [p.classData, '-Xlog:cds=off', '-Xlog:cds+dynamic=off'] : []),
    `-Xms${p.heap}`,
    `-Xmx${p.heap}`,
    '-Xss1m',
    // C1 only, as Kafka and Cassandra (jvm-flags.ts): per-thread CPU showed the C2 compiler
    // threads at 6% of a core (46% after a JFR recording started) while the node itself used
    // 2–4% under 400 msg/s of indexing
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseG1GC',
    '-XX:G1ReservePercent=25',
    '-XX:InitiatingHeapOccupancyPercent=30',
    '-XX:-OmitStackTraceInFastThrow',
    '-Djava.awt.headless=true',
    '-Dfile.encoding=UTF-8',
    '-Djna.nosys=true',
    '-Djava.locale.providers=SPI,COMPAT',
    '-Dio.netty.noUnsafe=true',
    '-Dio.netty.noKeySetOptimization=true',
    '-Dio.netty.recycler.maxCapacityPerThread=0',
    '-Dio.netty.allocator.numDirectArenas=0',
    '-Dlog4j.shutdownHookEnabled=false',
    '-Dlog4j2.disable.jmx=true',
    `-Djava.io.tmpdir=${path.join(p.dir, 'tmp')}`,
    '-cp',
    p.classpath,
    'Launcher',
    p.dir,
  ];
}

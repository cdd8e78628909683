import { startAll } from '../start-all.js';
import { cassandraReleaseVersion, kafkaMetadata, pingRedis, searchClusterHealth } from '../checks.js';
import { waitUntil } from '../readiness.js';
import { TOPOLOGIES, type ClusterNode } from '../topology.js';
import type { ComponentName, InfraEndpoints, InfraProvider, StartOptions, StartedInfra } from '../types.js';

/** `host:port` entries as the nodes of a store: the user's own cluster, one node per entry. */
function listedNodes(store: 'cassandra' | 'kafka', hostPorts: string[]): ClusterNode[] {
  return hostPorts.map((hp, i) => {
    const cut = hp.lastIndexOf(':');
    return { id: `${store}-${i + 1}`, address: hp.slice(0, cut), port: Number(hp.slice(cut + 1)) };
  });
}

/** The user's own clusters: chatlab only checks they answer, and never stops them. */
export class ExternalProvider implements InfraProvider {
  readonly name = 'external' as const;
  /** With `cluster`, each contact point and broker given is listed as a node; chatlab never stops, pauses or cuts them. */
  readonly topologies = TOPOLOGIES;

  constructor(private readonly endpoints: InfraEndpoints) {}

  async unavailableReason(): Promise<string | null> {
    return null;
  }

  async start(options: StartOptions): Promise<StartedInfra> {
    const e = this.endpoints;
    const nothing = async () => {};
    const check = <T>(component: ComponentName, what: string, fn: () => Promise<T>) => async (signal: AbortSignal) => {
      options.onProgress?.({ component, phase: 'waiting', detail: what });
      const version = await waitUntil(fn, { what, timeoutMs: 30_000, intervalMs: 1000, signal });
      return { version: String(version), stop: nothing };
    };
    const started = await startAll(
      {
        redis: check('redis', `Redis PING on ${e.redis.url}`, () => pingRedis(e.redis.url)),
        kafka: check('kafka', `Kafka metadata from ${e.kafka.brokers.join(',')}`, () => kafkaMetadata(e.kafka.brokers)),
        cassandra: check('cassandra', `CQL on ${e.cassandra.contactPoints.join(',')}`, () =>
          cassandraReleaseVersion(e.cassandra.contactPoints, e.cassandra.localDataCenter),
        ),
        // the user's cluster: checked, never reconfigured (no replica default is set on it)
        search: check('search', `cluster health yellow on ${e.search.url}`, () => searchClusterHealth(e.search.url)),
      },
      { signal: options.signal, onProgress: options.onProgress },
    );
    return {
      provider: 'external',
      endpoints: e,
      processes: [],
      containerIds: [],
      versions: { redis: started.redis.version, kafka: `${started.kafka.version} broker(s)`, cassandra: started.cassandra.version, search: started.search.version },
      topology: options.topology ?? 'single',
      ...(options.topology === 'cluster'
        ? { nodes: { cassandra: listedNodes('cassandra', e.cassandra.contactPoints), kafka: listedNodes('kafka', e.kafka.brokers) }, nodesBound: false }
        : {}),
      stop: nothing,
    };
  }
}

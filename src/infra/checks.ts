import { Redis } from 'ioredis';
import { Kafka, logLevel } from '../store/index.js';
import cassandra from 'cassandra-driver';
import { searchClusterHealth } from './search-http.js';
import type { InfraEndpoints } from './types.js';

/**
 * The readiness checks (docs/architecture.md#conventions): Redis PING, a Kafka metadata request, a CQL query, and the
 * search engine's cluster health (searchClusterHealth, in search-http.ts).
 */
export { searchClusterHealth };

export async function pingRedis(url: string): Promise<string> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const pong = await redis.ping();
    const info = await redis.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? pong;
  } finally {
    redis.disconnect();
  }
}

export async function kafkaMetadata(brokers: string[]): Promise<number> {
  const kafka = new Kafka({ clientId: 'chatlab-probe', brokers, logLevel: logLevel.NOTHING, connectionTimeout: 2000, retry: { retries: 0 } });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('metadata listed no broker');
    return cluster.brokers.length;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

export async function cassandraReleaseVersion(contactPoints: string[], localDataCenter: string): Promise<string> {
  const client = new cassandra.Client({
    contactPoints,
    localDataCenter,
    socketOptions: { connectTimeout: 2000, readTimeout: 5000 },
    pooling: { warmup: false },
  });
  try {
    await client.connect();
    const rs = await client.execute('SELECT release_version FROM system.local');
    return String(rs.first()?.['release_version'] ?? 'unknown');
  } finally {
    await client.shutdown().catch(() => {});
  }
}

/** A client whose every request goes to one node (no failover to another). */
function oneNodeClient(contactPoint: string, localDataCenter: string, readTimeout = 5000): cassandra.Client {
  const lb = cassandra.policies.loadBalancing;
  return new cassandra.Client({
    contactPoints: [contactPoint],
    localDataCenter,
    socketOptions: { connectTimeout: 2000, readTimeout },
    pooling: { warmup: false },
    policies: { loadBalancing: new lb.AllowListPolicy(new lb.DCAwareRoundRobinPolicy(localDataCenter), [contactPoint]) },
  });
}

/** Runs one CQL statement on exactly that node. */
export async function onCassandraNode<T>(contactPoint: string, localDataCenter: string, fn: (client: cassandra.Client) => Promise<T>, readTimeout?: number): Promise<T> {
  const client = oneNodeClient(contactPoint, localDataCenter, readTimeout);
  try {
    await client.connect();
    return await fn(client);
  } finally {
    await client.shutdown().catch(() => {});
  }
}

/** Resolves when every node answers CQL and lists the others among its peers; throws saying which did not. */
export async function cassandraPeersUp(contactPoints: string[], localDataCenter: string, expected: number): Promise<void> {
  const counts = await Promise.all(
    contactPoints.map((cp) => onCassandraNode(cp, localDataCenter, async (c) => (await c.execute('SELECT peer FROM system.peers_v2')).rowLength).catch(() => -1)),
  );
  const short = contactPoints.filter((_, i) => counts[i] !== expected - 1);
  if (short.length > 0) throw new Error(`${short.join(', ')} not yet seeing ${expected - 1} peers (${counts.join('/')})`);
}

export interface InfraHealth {
  redis: boolean;
  kafka: boolean;
  cassandra: boolean;
  search: boolean;
}

/** One round of all four checks, none throwing: what `status` shows. */
export async function checkInfraHealth(endpoints: InfraEndpoints, timeoutMs = 3000): Promise<InfraHealth> {
  // a paused process still accepts connections and never answers: only a deadline tells
  const ok = (p: Promise<unknown>) => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    return Promise.race([p.then(() => true, () => false), deadline]).finally(() => clearTimeout(timer));
  };
  const [redis, kafka, cass, search] = await Promise.all([
    ok(pingRedis(endpoints.redis.url)),
    ok(kafkaMetadata(endpoints.kafka.brokers)),
    ok(cassandraReleaseVersion(endpoints.cassandra.contactPoints, endpoints.cassandra.localDataCenter)),
    ok(searchClusterHealth(endpoints.search.url, Math.min(1000, timeoutMs / 3))),
  ]);
  return { redis, kafka, cassandra: cass, search };
}

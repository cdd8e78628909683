import { Redis, type RedisOptions } from 'ioredis';
import type { ServiceConfig } from '../core/index.js';
import { createCassandraClient, type CassandraClient } from './cassandra.js';

/**
 * A service's Redis connection from its config. A failed command rejects on its own; the
 * connection's `error` events (Redis away, reconnecting) are not also thrown as unhandled.
 */
export function serviceRedis(config: Pick<ServiceConfig, 'redisUrl'>, options: RedisOptions = { maxRetriesPerRequest: 3 }): Redis {
  const redis = new Redis(config.redisUrl, options);
  redis.on('error', () => {});
  return redis;
}

/** A service's Cassandra client on its keyspace (the caller connects it). */
export function serviceCassandra(config: Pick<ServiceConfig, 'cassandra' | 'keyspace'>): CassandraClient {
  return createCassandraClient({ ...config.cassandra, keyspace: config.keyspace });
}

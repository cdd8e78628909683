import { Redis, type RedisOptions } from 'ioredis';
import { serviceLog, systemClock, type ServiceConfig, type ServiceDeps } from '../core/index.js';
import { createCassandraClient, type CassandraClient } from './cassandra.js';
import type { ConsistencyLevel } from './consistency.js';
import { redisKeys } from './keys.js';

/**
 * A service's Redis connection from its config. A failed command rejects on its own; the
 * connection's `error` events (Redis away, reconnecting) are not also thrown as unhandled.
 */
export function serviceRedis(config: Pick<ServiceConfig, 'redisUrl'>, options: RedisOptions = { maxRetriesPerRequest: 3 }): Redis {
  const redis = new Redis(config.redisUrl, options);
  redis.on('error', () => {});
  return redis;
}

/** A service's Cassandra client on its keyspace (the caller connects it), at `consistency` when given (consistency.ts). */
export function serviceCassandra(config: Pick<ServiceConfig, 'cassandra' | 'keyspace'>, consistency?: ConsistencyLevel): CassandraClient {
  return createCassandraClient({ ...config.cassandra, keyspace: config.keyspace }, consistency);
}

/**
 * The start-up every Redis-and-Cassandra service shares: its clock and log (the caller's, or
 * the system's and stderr), its Redis keys, a command connection and a Cassandra client.
 */
export function serviceStartup(config: ServiceConfig, deps: Omit<ServiceDeps, 'registry'>) {
  return {
    clock: deps.clock ?? systemClock,
    log: serviceLog(config.name, deps.log),
    keys: redisKeys(config.redisPrefix),
    redis: serviceRedis(config),
    cassandra: serviceCassandra(config),
  };
}

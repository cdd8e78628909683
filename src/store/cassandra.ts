import cassandra from 'cassandra-driver';
import { driverConsistency, type ConsistencyLevel } from './consistency.js';

/**
 * One driver client per process, with prepared statements and a constant reconnection policy.
 * `consistency` (consistency.ts) is every statement's level unless one names its own; unset,
 * LOCAL_ONE, the level of the single node.
 */
export function createCassandraClient(p: { contactPoints: string[]; localDataCenter: string; keyspace?: string }, consistency?: ConsistencyLevel): cassandra.Client {
  return new cassandra.Client({
    contactPoints: p.contactPoints,
    localDataCenter: p.localDataCenter,
    keyspace: p.keyspace,
    socketOptions: { connectTimeout: 5000, readTimeout: 12_000 },
    policies: { reconnection: new cassandra.policies.reconnection.ConstantReconnectionPolicy(1000) },
    queryOptions: { prepare: true, consistency: consistency ? driverConsistency(consistency) : cassandra.types.consistencies.localOne },
  });
}

export type CassandraClient = cassandra.Client;
export const Long = cassandra.types.Long;

import cassandra from 'cassandra-driver';
import { driverConsistency, type ConsistencyLevel } from './consistency.js';

/**
 * One driver client per process, with prepared statements and a constant reconnection policy.
 * `consistency` (consistency.ts) is every statement's level unless one names its own; unset,
 * LOCAL_ONE, the level of the single node.
 */
export function createCassandraClient(p: { contactPoints: string[]; localDataCenter: string; keyspace?: string; readTimeoutMs?: number }, consistency?: ConsistencyLevel): cassandra.Client {
  return new cassandra.Client({
    contactPoints: p.contactPoints,
    localDataCenter: p.localDataCenter,
    keyspace: p.keyspace,
    ...nativePortOf(p.contactPoints),
    // readTimeout: how long a request waits for its coordinator's answer (a node cut off never answers)
    socketOptions: { connectTimeout: 5000, readTimeout: p.readTimeoutMs ?? 12_000 },
    policies: { reconnection: new cassandra.policies.reconnection.ConstantReconnectionPolicy(1000) },
    queryOptions: { prepare: true, consistency: consistency ? driverConsistency(consistency) : cassandra.types.consistencies.localOne },
  });
}

/**
 * The driver reaches the nodes it discovers (system.peers) on `protocolOptions.port`, 9042 unless
 * told: the contact points' own ports count for them alone. The cluster topology runs every node
 * on one port of its own address, so without this a client would use only the node its control
 * connection landed on, and see the other two as down.
 */
export function nativePortOf(contactPoints: readonly string[]): { protocolOptions?: { port: number } } {
  const ports = new Set(contactPoints.map((cp) => /:(\d+)$/.exec(cp)?.[1]).filter((x): x is string => x !== undefined));
  return ports.size === 1 ? { protocolOptions: { port: Number([...ports][0]) } } : {};
}

export type CassandraClient = cassandra.Client;
export const Long = cassandra.types.Long;

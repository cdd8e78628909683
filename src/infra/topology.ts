import { ChatlabError, ErrorCodes } from '../core/index.js';

/**
 * How many nodes each store runs: `single` (one Cassandra, one Kafka broker, replication 1: the
 * default) or `cluster` (three of each, replication 3, so a node can be lost, paused or cut off).
 */
export const TOPOLOGIES = ['single', 'cluster'] as const;
export type Topology = (typeof TOPOLOGIES)[number];

export function parseTopology(value: string | undefined): Topology {
  const v = value ?? 'single';
  if ((TOPOLOGIES as readonly string[]).includes(v)) return v as Topology;
  throw new ChatlabError(ErrorCodes.CONFIG, `--topology must be one of ${TOPOLOGIES.join(', ')} (got "${value}")`);
}

/** Nodes per store in the cluster topology. */
export const CLUSTER_SIZE = 3;

/** Where each store's nodes sit in the cluster's /24: Cassandra on .2–.4, Kafka on .5–.7. */
const FIRST_HOST = { cassandra: 2, kafka: 2 + CLUSTER_SIZE } as const;

/**
 * A store's node addresses in a /24 on the loopback (the whole of 127/8 is local on Linux, no
 * alias to create): every node of either store has an address of its own, listens on it, and its
 * outgoing connections leave from it too (bind-shim.ts), so a rule on one address cuts one node
 * off and nothing else.
 */
export function clusterAddresses(store: keyof typeof FIRST_HOST, net = '127.0.0'): string[] {
  if (!/^127\.\d{1,3}\.\d{1,3}$/.test(net)) {
    throw new ChatlabError(ErrorCodes.CONFIG, `the cluster's network must be three octets inside 127/8, like 127.0.0 (got "${net}")`);
  }
  return Array.from({ length: CLUSTER_SIZE }, (_, i) => `${net}.${FIRST_HOST[store] + i}`);
}

/** Murmur3 tokens spaced evenly over the ring (-2^63 .. 2^63-1), one per node: no streaming, even ownership. */
export function evenTokens(count: number): string[] {
  const span = 2n ** 64n;
  return Array.from({ length: count }, (_, i) => String(-(2n ** 63n) + (span * BigInt(i)) / BigInt(count)));
}

/** One node of a clustered store, as `status` lists it and faults address it. */
export interface ClusterNode {
  /** `cassandra-1`, `kafka-2`: also the name of its process. */
  id: string;
  address: string;
  /** The client port (CQL or Kafka) on that address. */
  port: number;
  /** Kafka's node.id (brokers only). */
  brokerId?: number;
  /** Cassandra's JMX port on 127.0.0.1, for nodetool (Cassandra only). */
  jmxPort?: number;
}

export interface ClusterNodes {
  cassandra: ClusterNode[];
  kafka: ClusterNode[];
}

/**
 * Consistency as a knob: how many of a store's replicas must answer. Cassandra reads and writes
 * at ONE, QUORUM (2 of 3) or ALL; the gateway's producer waits for the leader alone (acks 1) or
 * for every in-sync replica (acks all, with the topic's min.insync.replicas as the floor).
 * Unset, a service keeps what it always did on one node: the driver's LOCAL_ONE and acks all.
 */
import cassandra from 'cassandra-driver';
import { z } from 'zod';

export const CONSISTENCY_LEVELS = ['ONE', 'QUORUM', 'ALL'] as const;
export type ConsistencyLevel = (typeof CONSISTENCY_LEVELS)[number];
export const KAFKA_ACKS = ['1', 'all'] as const;
export type KafkaAcks = (typeof KAFKA_ACKS)[number];

/** Accepts any case (`--set writeConsistency=quorum`), yields the upper-case name. */
export const consistencyLevelSchema = z.preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), z.enum(CONSISTENCY_LEVELS));
export const kafkaAcksSchema = z.preprocess((v) => (typeof v === 'number' ? String(v) : typeof v === 'string' ? v.toLowerCase() : v), z.enum(KAFKA_ACKS));

/** The driver's value for a level. */
export function driverConsistency(level: ConsistencyLevel): number {
  const c = cassandra.types.consistencies;
  return { ONE: c.one, QUORUM: c.quorum, ALL: c.all }[level];
}

/** Kafka's wire value for acks: -1 is all. */
export function producerAcks(acks: KafkaAcks | undefined): number {
  return acks === '1' ? 1 : -1;
}

/** The store settings a run can vary with `--set` (each scenario accepts them; docs/protocol.md). */
export const storeSettingsSchema = z.object({
  /** Persist worker's message writes, and the gateway's own writes (delete). */
  writeConsistency: consistencyLevelSchema.optional(),
  /** History and sync reads. */
  readConsistency: consistencyLevelSchema.optional(),
  /** The gateway producer's acks on chat.messages. */
  acks: kafkaAcksSchema.optional(),
  /** The chat.messages topic's min.insync.replicas (cluster: 1 to 3). */
  minInsyncReplicas: z.coerce.number().int().min(1).max(3).optional(),
});
export type StoreSettings = z.infer<typeof storeSettingsSchema>;
export const STORE_SETTING_KEYS = Object.keys(storeSettingsSchema.shape) as Array<keyof StoreSettings>;

/** The cluster topology's defaults: a quorum of replicas for every read and write, acks from every in-sync replica, at least two of them. */
export const CLUSTER_STORE_DEFAULTS: Required<StoreSettings> = { writeConsistency: 'QUORUM', readConsistency: 'QUORUM', acks: 'all', minInsyncReplicas: 2 };

/**
 * The level the hot-vs-cold cross-check (acked but not stored) reads Cassandra at, after the
 * faults are healed. On a cluster: ALL, so every replica answers and the verdict cannot depend on
 * which one the driver asked (a replica that missed writes while it was down would otherwise show
 * a stored message as missing, and one replica alone could vouch for a write the others never
 * got). On one node every level is the same node: the driver's own.
 */
export function crossCheckConsistency(topology: 'single' | 'cluster' | undefined): ConsistencyLevel | undefined {
  return topology === 'cluster' ? 'ALL' : undefined;
}

/** The services' options that carry the settings (what `up` writes and a variant changes). */
export function storeServiceOptions(s: StoreSettings): { gateway: Record<string, unknown>; persist: Record<string, unknown> } {
  const gateway: Record<string, unknown> = {};
  const persist: Record<string, unknown> = {};
  if (s.readConsistency) gateway['readConsistency'] = s.readConsistency;
  if (s.writeConsistency) {
    gateway['writeConsistency'] = s.writeConsistency;
    persist['writeConsistency'] = s.writeConsistency;
  }
  if (s.acks) gateway['kafkaAcks'] = s.acks;
  return { gateway, persist };
}

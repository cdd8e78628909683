import cassandra from 'cassandra-driver';
import { ConfigResourceTypes, DEFAULT_KEYSPACE, Kafka, TOPIC_PARTITIONS, keyspaceDdl, logLevel, tableDdl } from '../store/index.js';
import type { InfraEndpoints } from './types.js';

/**
 * How the stores replicate: one copy each (single), or on a cluster `replicas` copies (keyspace
 * and topics) with a topic's `minInsyncReplicas` (the acks=all producer's floor).
 */
export interface Replication {
  replicas: number;
  minInsyncReplicas?: number;
}

/** Creates the keyspace, tables and topics the stack needs; safe to run again. */
export async function bootstrapInfra(
  endpoints: InfraEndpoints,
  options: { keyspace?: string; topics?: Record<string, number>; replication?: Replication } = {},
): Promise<void> {
  await Promise.all([
    ensureKeyspace(endpoints, options.keyspace ?? DEFAULT_KEYSPACE, options.replication),
    ensureTopics(endpoints.kafka.brokers, options.topics ?? TOPIC_PARTITIONS, options.replication),
  ]);
}

export async function ensureKeyspace(endpoints: InfraEndpoints, keyspace: string, replication?: Replication): Promise<void> {
  const client = new cassandra.Client({
    contactPoints: endpoints.cassandra.contactPoints,
    localDataCenter: endpoints.cassandra.localDataCenter,
    socketOptions: { readTimeout: 60_000 },
  });
  try {
    await client.connect();
    const cluster = replication && replication.replicas > 1 ? { dataCenter: endpoints.cassandra.localDataCenter, replicas: replication.replicas } : undefined;
    await client.execute(keyspaceDdl(keyspace, cluster));
    for (const ddl of tableDdl(keyspace)) await client.execute(ddl);
  } finally {
    await client.shutdown();
  }
}

export async function ensureTopics(brokers: string[], topics: Record<string, number>, replication?: Replication): Promise<void> {
  const admin = new Kafka({ clientId: 'chatlab-bootstrap', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = Object.entries(topics).filter(([t]) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map(([topic, numPartitions]) => ({
          topic,
          numPartitions,
          replicationFactor: replication?.replicas ?? 1,
          ...(replication?.minInsyncReplicas ? { configEntries: [{ name: 'min.insync.replicas', value: String(replication.minInsyncReplicas) }] } : {}),
        })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}

/** A topic's min.insync.replicas as the broker has it (its own setting, or the broker default). */
export async function topicMinInsync(brokers: string[], topic: string): Promise<number> {
  const admin = new Kafka({ clientId: 'chatlab-topic-config', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const r = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['min.insync.replicas'] }] });
    return Number(r.resources[0]?.configEntries.find((e) => e.configName === 'min.insync.replicas')?.configValue ?? 1);
  } finally {
    await admin.disconnect();
  }
}

/** Sets a topic's min.insync.replicas (the floor of in-sync replicas an acks=all write needs). */
export async function setTopicMinInsync(brokers: string[], topic: string, value: number): Promise<void> {
  const admin = new Kafka({ clientId: 'chatlab-topic-config', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'min.insync.replicas', value: String(value) }] }] });
  } finally {
    await admin.disconnect();
  }
}

import cassandra from 'cassandra-driver';
import { DEFAULT_KEYSPACE, Kafka, TOPIC_PARTITIONS, keyspaceDdl, logLevel, tableDdl } from '../store/index.js';
import type { InfraEndpoints } from './types.js';

/** Creates the keyspace, tables and topics the stack needs; safe to run again. */
export async function bootstrapInfra(
  endpoints: InfraEndpoints,
  options: { keyspace?: string; topics?: Record<string, number> } = {},
): Promise<void> {
  await Promise.all([
    ensureKeyspace(endpoints, options.keyspace ?? DEFAULT_KEYSPACE),
    ensureTopics(endpoints.kafka.brokers, options.topics ?? TOPIC_PARTITIONS),
  ]);
}

export async function ensureKeyspace(endpoints: InfraEndpoints, keyspace: string): Promise<void> {
  const client = new cassandra.Client({
    contactPoints: endpoints.cassandra.contactPoints,
    localDataCenter: endpoints.cassandra.localDataCenter,
    socketOptions: { readTimeout: 60_000 },
  });
  try {
    await client.connect();
    await client.execute(keyspaceDdl(keyspace));
    for (const ddl of tableDdl(keyspace)) await client.execute(ddl);
  } finally {
    await client.shutdown();
  }
}

export async function ensureTopics(brokers: string[], topics: Record<string, number>): Promise<void> {
  const admin = new Kafka({ clientId: 'chatlab-bootstrap', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = Object.entries(topics).filter(([t]) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map(([topic, numPartitions]) => ({ topic, numPartitions, replicationFactor: 1 })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}

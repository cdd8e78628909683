/** Cassandra schema and Kafka topics of the stack; created by `chatlab up` (idempotent). */

export const DEFAULT_KEYSPACE = 'chatlab';

export const TOPICS = {
  messages: 'chat.messages',
} as const;

/**
 * One partition: `chatlab up` runs one persist worker and one indexer, so more partitions buy no
 * parallelism, and Kafka pays per partition in every produce and fetch. Measured in two pairs of
 * runs on a fresh stack each (`bench/cold-path.ts`, 2 × Xeon 2.1 GHz, issue 11;
 * bench/results/cold-path-2026-11-30-partitions-xeon.txt), 8 → 1 partitions: Kafka above idle
 * 3.0–3.8 → 2.1–2.4% of a core at 100 msg/s and 5.5–6.5 → 3.2–3.9% at 1,000 msg/s; cold path
 * 0.65–0.70 → 0.55–0.56 and 0.18–0.19 → 0.15–0.16 ms per message. Per-conversation order holds either way.
 */
export const TOPIC_PARTITIONS: Record<string, number> = {
  [TOPICS.messages]: 1,
};

/** Messages are partitioned by conversation and day bucket, clustered by Snowflake id. */
export const MESSAGE_BUCKET_MS = 24 * 60 * 60 * 1000;

/**
 * One node: SimpleStrategy, one replica. A cluster: NetworkTopologyStrategy with `replicas` copies
 * in the one data centre, so a node can be lost and QUORUM (2 of 3) still answers.
 */
export function keyspaceDdl(keyspace: string, cluster?: { dataCenter: string; replicas: number }): string {
  const replication = cluster
    ? `{'class': 'NetworkTopologyStrategy', '${cluster.dataCenter}': ${cluster.replicas}}`
    : `{'class': 'SimpleStrategy', 'replication_factor': 1}`;
  return `CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = ${replication} AND durable_writes = true`;
}

export function tableDdl(keyspace: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${keyspace}.messages (
      conversation_id text, bucket int, message_id bigint,
      sender_id text, client_msg_id text, body text, sent_at timestamp,
      PRIMARY KEY ((conversation_id, bucket), message_id)
    ) WITH CLUSTERING ORDER BY (message_id ASC)`,
    `CREATE TABLE IF NOT EXISTS ${keyspace}.conversations (
      conversation_id text PRIMARY KEY, kind text, name text, members set<text>, created_at timestamp
    )`,
    `CREATE TABLE IF NOT EXISTS ${keyspace}.user_conversations (
      user_id text, conversation_id text, PRIMARY KEY (user_id, conversation_id)
    )`,
    // One row per member change: who joined or left when (in the conversation's own id order).
    `CREATE TABLE IF NOT EXISTS ${keyspace}.membership_changes (
      conversation_id text, change_id bigint, user_id text, change text,
      PRIMARY KEY (conversation_id, change_id, user_id)
    ) WITH CLUSTERING ORDER BY (change_id ASC, user_id ASC)`,
    `CREATE TABLE IF NOT EXISTS ${keyspace}.read_watermarks (
      conversation_id text, user_id text, message_id bigint, updated_at timestamp,
      PRIMARY KEY (conversation_id, user_id)
    )`,
  ];
}

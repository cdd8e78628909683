/** Cassandra schema and Kafka topics of the stack; created by `chatlab up` (idempotent). */

export const DEFAULT_KEYSPACE = 'chatlab';

export const TOPICS = {
  messages: 'chat.messages',
} as const;

/**
 * One partition: `chatlab up` runs one persist worker and one indexer, so more partitions buy no
 * parallelism, and Kafka pays per partition in every produce and fetch (measured with
 * `bench/cold-path.ts`; the figures are in bench/README.md, cold-path). Messages are keyed by
 * conversation, so per-conversation order holds with any number of partitions.
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

import crypto from 'node:crypto';
import { Redis } from 'ioredis';
import cassandra from 'cassandra-driver';
import { Kafka, logLevel } from 'kafkajs';
import { expect } from 'vitest';
import { ensureTopics, searchRequest, type InfraEndpoints } from '../../src/infra/index.js';

/**
 * One real round trip per backing system, on any endpoints: the shared stack's, and the stacks
 * the containers and compose tests start themselves.
 */
function unique(prefix: string): string {
  return `${prefix}_${crypto.randomBytes(4).toString('hex')}`;
}

/** Redis: a message PUBLISHed on a channel reaches a SUBSCRIBEr. */
export async function redisRoundTrip(e: InfraEndpoints): Promise<void> {
  const channel = unique('it:chan');
  const sub = new Redis(e.redis.url);
  const pub = new Redis(e.redis.url);
  try {
    await sub.subscribe(channel);
    const received = new Promise<string>((resolve) => sub.on('message', (ch, msg) => ch === channel && resolve(msg)));
    const receivers = await pub.publish(channel, 'hello');
    expect(receivers).toBe(1);
    expect(await received).toBe('hello');
  } finally {
    sub.disconnect();
    pub.disconnect();
  }
}

/** Kafka: records produced to a topic are consumed, in order, by a consumer group. */
export async function kafkaRoundTrip(e: InfraEndpoints): Promise<void> {
  const topic = unique('it.topic');
  await ensureTopics(e.kafka.brokers, { [topic]: 1 });
  const kafka = new Kafka({ clientId: 'it', brokers: e.kafka.brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId: unique('it-group') });
  await producer.connect();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const got: string[] = [];
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          got.push(message.value!.toString());
          if (got.length === 3) resolve();
        },
      });
    });
    await producer.send({ topic, messages: ['a', 'b', 'c'].map((value) => ({ key: 'k', value })) });
    await done;
    expect(got).toEqual(['a', 'b', 'c']);
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
  }
}

/** Cassandra: CQL creates a keyspace and table, inserts and selects a row. */
export async function cassandraRoundTrip(e: InfraEndpoints): Promise<void> {
  const keyspace = unique('it_ks');
  const client = new cassandra.Client({ contactPoints: e.cassandra.contactPoints, localDataCenter: e.cassandra.localDataCenter });
  await client.connect();
  try {
    await client.execute(`CREATE KEYSPACE ${keyspace} WITH replication = {'class':'SimpleStrategy','replication_factor':1}`);
    await client.execute(`CREATE TABLE ${keyspace}.kv (k text PRIMARY KEY, v int)`);
    await client.execute(`INSERT INTO ${keyspace}.kv (k, v) VALUES (?, ?)`, ['answer', 42], { prepare: true });
    const rs = await client.execute(`SELECT v FROM ${keyspace}.kv WHERE k = ?`, ['answer'], { prepare: true });
    expect(rs.first()?.['v']).toBe(42);
  } finally {
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => {});
    await client.shutdown();
  }
}

/** Search: a document indexed (and refreshed) is found by a query on its text. */
export async function searchRoundTrip(e: InfraEndpoints): Promise<void> {
  const index = unique('it-idx').toLowerCase();
  try {
    const put = await searchRequest(e.search.url, 'PUT', `/${index}/_doc/1?refresh=true`, { body: { text: 'hello round trip' } });
    expect(put.status).toBe(201);
    const found = await searchRequest<{ hits: { hits: Array<{ _id: string }> } }>(e.search.url, 'POST', `/${index}/_search`, { body: { query: { match: { text: 'round' } } } });
    expect(found.body.hits.hits.map((h) => h._id)).toEqual(['1']);
  } finally {
    await searchRequest(e.search.url, 'DELETE', `/${index}`).catch(() => {});
  }
}

/** The keyspace and topics the stack needs exist. */
export async function stackSchemaExists(e: InfraEndpoints): Promise<void> {
  const admin = new Kafka({ clientId: 'it', brokers: e.kafka.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const topics = await admin.listTopics();
  await admin.disconnect();
  expect(topics).toContain('chat.messages');
  const client = new cassandra.Client({ contactPoints: e.cassandra.contactPoints, localDataCenter: e.cassandra.localDataCenter });
  const rs = await client.execute(`SELECT table_name FROM system_schema.tables WHERE keyspace_name = 'chatlab'`);
  await client.shutdown();
  expect(rs.rows.map((r) => r['table_name'])).toEqual(expect.arrayContaining(['messages', 'conversations']));
}

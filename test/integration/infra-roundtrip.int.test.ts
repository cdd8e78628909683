import { Redis } from 'ioredis';
import cassandra from 'cassandra-driver';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ensureTopics } from '../../src/infra/index.js';
import { endpoints, uniqueName } from './support.js';

describe('the stack chatlab up starts answers real round trips', () => {
  it('Redis: a message PUBLISHed on a channel reaches a SUBSCRIBEr', async () => {
    const e = endpoints();
    const channel = uniqueName('it:chan');
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
  });

  it('Kafka: records produced to a topic are consumed, in order, by a consumer group', async () => {
    const e = endpoints();
    const topic = uniqueName('it.topic');
    await ensureTopics(e.kafka.brokers, { [topic]: 1 });
    const kafka = new Kafka({ clientId: 'it', brokers: e.kafka.brokers, logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const consumer = kafka.consumer({ groupId: uniqueName('it-group') });
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
  });

  it('Cassandra: CQL creates a keyspace and table, inserts and selects a row', async () => {
    const e = endpoints();
    const keyspace = uniqueName('it_ks');
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
  });

  it('the keyspace and topics the stack needs exist', async () => {
    const e = endpoints();
    const admin = new Kafka({ clientId: 'it', brokers: e.kafka.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const topics = await admin.listTopics();
    await admin.disconnect();
    expect(topics).toContain('chat.messages');
    const client = new cassandra.Client({ contactPoints: e.cassandra.contactPoints, localDataCenter: e.cassandra.localDataCenter });
    const rs = await client.execute(`SELECT table_name FROM system_schema.tables WHERE keyspace_name = 'chatlab'`);
    await client.shutdown();
    expect(rs.rows.map((r) => r['table_name'])).toEqual(expect.arrayContaining(['messages', 'conversations']));
  });
});

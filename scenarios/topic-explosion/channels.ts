import { Redis } from 'ioredis';
import { Kafka, logLevel, type Admin, type Consumer } from '../../src/store/index.js';
import { z } from 'zod';
import type { InfraEndpoints } from '../../src/infra/index.js';
import { accumulating, runConsumer } from '../hot-path/routers.js';
import { routerSettings } from '../hot-path/settings.js';

/** One channel per conversation on a router: grown in steps, each step read by a fresh subscriber. */
export interface ChannelSet {
  /** Creates channels up to `n` in all (Kafka: topics; Redis Pub/Sub: nothing to create). */
  grow(n: number): Promise<void>;
  /** A fresh subscriber on every channel there is; resolves once it is subscribed. */
  subscribe(onMessage: (payload: string) => void): Promise<void>;
  unsubscribe(): Promise<void>;
  publish(channel: number, payload: string): Promise<void>;
  /** Removes every channel it created. */
  close(): Promise<void>;
  readonly process: string;
}

/** Kafka clients as hot-path tunes them (its tuned defaults). */
const tuned = z.object(routerSettings).parse({});
const CREATE_BATCH = 100;

export function kafkaChannels(e: InfraEndpoints, prefix: string, onCreateBatch: (done: number) => void): ChannelSet {
  const kafka = new Kafka({ clientId: 'chatlab-topic-explosion', brokers: e.kafka.brokers, logLevel: logLevel.NOTHING, requestTimeout: 120_000 });
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const send = accumulating(producer, Number(tuned.kafkaAcks), tuned.kafkaLingerMs);
  const topic = (i: number) => `tx.${prefix}.${i}`;
  let created = 0;
  let consumer: Consumer | null = null;
  let step = 0;
  return {
    process: 'kafka',
    async grow(n) {
      if (created === 0) await Promise.all([admin.connect(), producer.connect()]);
      while (created < n) {
        const to = Math.min(n, created + CREATE_BATCH);
        const topics = Array.from({ length: to - created }, (_, k) => ({ topic: topic(created + k), numPartitions: 1, replicationFactor: 1 }));
        await admin.createTopics({ waitForLeaders: false, timeout: 120_000, topics });
        created = to;
        await leadersOf(admin, topics.map((t) => t.topic));
        onCreateBatch(created);
      }
    },
    async subscribe(onMessage) {
      consumer = kafka.consumer({ groupId: `tx-${prefix}-${++step}`, maxWaitTimeInMs: tuned.kafkaFetchWaitMs, minBytes: tuned.kafkaMinBytes, sessionTimeout: 120_000, rebalanceTimeout: 120_000 });
      await consumer.connect();
      await consumer.subscribe({ topics: Array.from({ length: created }, (_, i) => topic(i)), fromBeginning: true });
      await runConsumer(consumer, tuned, created, onMessage);
    },
    async unsubscribe() {
      await consumer?.disconnect();
      consumer = null;
    },
    publish: (ch, payload) => send(topic(ch), String(ch), payload),
    async close() {
      await consumer?.disconnect().catch(() => {});
      await producer.disconnect().catch(() => {});
      for (let i = 0; i < created; i += 500) {
        await admin.deleteTopics({ topics: Array.from({ length: Math.min(500, created - i) }, (_, k) => topic(i + k)), timeout: 120_000 }).catch(() => {});
      }
      await admin.disconnect().catch(() => {});
    },
  };
}

/** Redis Pub/Sub: a channel exists while someone subscribes to it. */
export function redisChannels(e: InfraEndpoints, prefix: string): ChannelSet {
  const pub = new Redis(e.redis.url);
  let sub: Redis | null = null;
  let count = 0;
  const channel = (i: number) => `tx:${prefix}:${i}`;
  return {
    process: 'redis',
    async grow(n) {
      count = n;
    },
    async subscribe(onMessage) {
      sub = new Redis(e.redis.url);
      sub.on('message', (_c: string, m: string) => onMessage(m));
      for (let i = 0; i < count; i += 1000) await sub.subscribe(...Array.from({ length: Math.min(1000, count - i) }, (_, k) => channel(i + k)));
    },
    async unsubscribe() {
      sub?.disconnect();
      sub = null;
    },
    publish: async (ch, payload) => void (await pub.publish(channel(ch), payload)),
    async close() {
      sub?.disconnect();
      pub.disconnect();
    },
  };
}

/** Waits until the broker's metadata names a leader for every new topic (kafkajs's own wait gives up on a busy broker). */
async function leadersOf(admin: Admin, topics: string[]): Promise<void> {
  for (;;) {
    const meta = await admin.fetchTopicMetadata({ topics }).catch(() => null);
    if (meta && meta.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

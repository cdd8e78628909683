import { Redis } from 'ioredis';
import { Kafka, logLevel, type Consumer, type Producer } from '../../src/store/index.js';
import { ensureTopics, type InfraEndpoints } from '../../src/infra/index.js';
import type { RouterSettings } from './settings.js';

/** Something that carries payloads from one publisher to one subscriber over many channels. */
export interface Router {
  setup(): Promise<void>;
  /** Resolves when the router acknowledged the publish (Redis reply, Kafka produce response). */
  publish(channel: number, payload: string): Promise<void>;
  close(): Promise<void>;
}

export type RouterKind = 'pubsub' | 'streams' | 'kafka';

/** Partitions of the Kafka topic: channels are keys within a few partitions (a partition per channel would not scale in Kafka). */
export const kafkaPartitions = (channels: number) => Math.min(channels, 16);

export function makeRouter(kind: RouterKind, names: string[], e: InfraEndpoints, s: RouterSettings, group: string, onMessage: (payload: string) => void): Router {
  if (kind === 'pubsub') return pubsubRouter(names, e, onMessage);
  if (kind === 'streams') return streamsRouter(names, e, s, group, onMessage);
  return kafkaRouter(names, e, s, group, onMessage);
}

function pubsubRouter(names: string[], e: InfraEndpoints, onMessage: (payload: string) => void): Router {
  const pub = new Redis(e.redis.url);
  const sub = new Redis(e.redis.url);
  sub.on('message', (_c: string, m: string) => onMessage(m));
  return {
    setup: async () => {
      for (let i = 0; i < names.length; i += 1000) await sub.subscribe(...names.slice(i, i + 1000));
    },
    publish: async (ch, payload) => void (await pub.publish(names[ch]!, payload)),
    close: async () => {
      pub.disconnect();
      sub.disconnect();
    },
  };
}

/** A consumer group on every stream: XREADGROUP … BLOCK … COUNT …, then XACK what it read (its commit). */
function streamsRouter(names: string[], e: InfraEndpoints, s: RouterSettings, group: string, onMessage: (payload: string) => void): Router {
  const pub = new Redis(e.redis.url);
  const sub = new Redis(e.redis.url);
  let running = true;
  let loop: Promise<void> = Promise.resolve();
  const count = s.streamsCount > 0 ? ['COUNT', s.streamsCount] : [];
  return {
    setup: async () => {
      const pipeline = pub.pipeline();
      for (const n of names) pipeline.xgroup('CREATE', n, group, '$', 'MKSTREAM');
      await pipeline.exec();
      loop = (async () => {
        while (running) {
          const res = (await sub
            .call('XREADGROUP', 'GROUP', group, 'c1', ...count, 'BLOCK', s.streamsBlockMs, 'STREAMS', ...names, ...names.map(() => '>'))
            .catch(() => null)) as Array<[string, Array<[string, string[]]>]> | null;
          if (!res) continue;
          const ack = sub.pipeline();
          for (const [key, entries] of res) {
            for (const [, fields] of entries) onMessage(fields[1]!);
            ack.xack(key, group, ...entries.map(([id]) => id));
          }
          await ack.exec();
        }
      })();
    },
    publish: async (ch, payload) => void (await pub.xadd(names[ch]!, 'MAXLEN', '~', '1000', '*', 'm', payload)),
    close: async () => {
      running = false;
      await loop;
      for (let i = 0; i < names.length; i += 1000) await pub.del(...names.slice(i, i + 1000));
      pub.disconnect();
      sub.disconnect();
    },
  };
}

/**
 * A producer as the Java client's accumulator works: a record waits `lingerMs` for others, and
 * while a produce request is in flight what arrives meanwhile gathers into the next one. The
 * broker answers one request per connection at a time, so one record per request (kafkajs's
 * `send` as is) queues behind a slow broker instead of batching.
 */
export function accumulating(producer: Producer, acks: number, lingerMs: number) {
  type Pending = { topic: string; key: string; value: string; done: () => void; fail: (e: unknown) => void };
  let batch: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  let inFlight = false;
  const flush = () => {
    timer = undefined;
    if (inFlight || batch.length === 0) return;
    const out = batch;
    batch = [];
    inFlight = true;
    const byTopic = new Map<string, Array<{ key: string; value: string }>>();
    for (const m of out) byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), { key: m.key, value: m.value }]);
    producer
      .sendBatch({ acks, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) })
      .then(
        () => out.forEach((m) => m.done()),
        (err: unknown) => out.forEach((m) => m.fail(err)),
      )
      .finally(() => {
        inFlight = false;
        if (batch.length > 0 && timer === undefined) flush();
      });
  };
  return (topic: string, key: string, value: string) =>
    new Promise<void>((done, fail) => {
      batch.push({ topic, key, value, done, fail });
      if (lingerMs === 0) flush();
      else timer ??= setTimeout(flush, lingerMs);
    });
}

function kafkaRouter(names: string[], e: InfraEndpoints, s: RouterSettings, group: string, onMessage: (payload: string) => void): Router {
  const topic = `hot.${group}`;
  const kafka = new Kafka({ clientId: 'chatlab-hotpath', brokers: e.kafka.brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: s.kafkaFetchWaitMs, minBytes: s.kafkaMinBytes });
  const partitions = kafkaPartitions(names.length);
  const acks = Number(s.kafkaAcks);
  const accumulate = accumulating(producer, acks, s.kafkaLingerMs);
  const send =
    s.kafkaLingerMs < 0 ? async (key: string, value: string) => void (await producer.send({ topic, acks, messages: [{ key, value }] })) : (key: string, value: string) => accumulate(topic, key, value);
  return {
    setup: async () => {
      await ensureTopics(e.kafka.brokers, { [topic]: partitions });
      await producer.connect();
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await runConsumer(consumer, s, partitions, onMessage);
    },
    publish: (ch, payload) => send(names[ch]!, payload),
    close: async () => {
      await consumer.disconnect();
      await producer.disconnect();
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => {});
      await admin.disconnect();
    },
  };
}

/** Runs a subscribed consumer with the settings (eachBatch or eachMessage, concurrency, commits); resolves once it joined its group. */
export async function runConsumer(consumer: Consumer, s: RouterSettings, partitions: number, onMessage: (payload: string) => void): Promise<void> {
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  const commit = s.kafkaCommitEveryMs > 0 ? { autoCommitInterval: s.kafkaCommitEveryMs, autoCommitThreshold: null } : {};
  const concurrency = { partitionsConsumedConcurrently: Math.min(s.kafkaPartitionsConcurrently, partitions) };
  if (s.kafkaEachBatch) {
    await consumer.run({
      ...commit,
      ...concurrency,
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) onMessage(m.value!.toString());
      },
    });
  } else {
    await consumer.run({ ...commit, ...concurrency, eachMessage: async ({ message }) => onMessage(message.value!.toString()) });
  }
  await joined;
}

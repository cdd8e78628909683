import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { z } from 'zod';
import { createLatencyHistogram } from '../src/core/index.js';
import { ensureTopics } from '../src/infra/index.js';
import { checkDeliveries, type DeliveryRecord, type ScenarioDefinition, type SendRecord } from '../src/scenario/index.js';
import { hotPathFinding } from './findings/others.js';

const params = z.object({
  router: z.enum(['pubsub', 'streams', 'kafka']).default('pubsub'),
  channels: z.coerce.number().int().min(1).max(100_000).default(200),
  messages: z.coerce.number().int().min(10).default(2000),
  ratePerSec: z.coerce.number().min(1).default(500),
});
type Params = z.infer<typeof params>;

const now = () => performance.timeOrigin + performance.now();

interface Router {
  setup(): Promise<void>;
  publish(channel: number, payload: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * What if the hot path routed through something else? The same publisher → subscriber
 * traffic over Redis Pub/Sub, Redis Streams and Kafka, across many channels: latency, what
 * the channels cost to set up and to keep (Redis memory), and whether anything was lost.
 */
export const scenario: ScenarioDefinition<Params> = {
  name: 'hot-path',
  description: 'Redis Pub/Sub vs Redis Streams vs Kafka as the message router: latency and the cost of many channels.',
  params,
  defaultSets: { router: ['pubsub', 'streams', 'kafka'] },
  thresholds: ['lost == 0', 'acked > 0', 'delivered > 0'],
  finding: hotPathFinding,
  paramDocs: { router: 'what carries the messages: Redis Pub/Sub, Redis Streams or Kafka', channels: 'channels (topics/streams) the messages spread over', messages: 'messages published', ratePerSec: 'publish rate' },
  measures: { setupMs: 'time to set up every channel (ms)', setupUsPerChannel: 'set-up cost per channel (µs)', redisMemoryDeltaBytes: 'Redis memory the channels cost' },
  async run(ctx, p) {
    const received = new Map<number, number>();
    const latency = createLatencyHistogram();
    const onMessage = (payload: string) => {
      const at = now();
      const [seq, sentAt] = payload.split('|').map(Number) as [number, number];
      received.set(seq, (received.get(seq) ?? 0) + 1);
      latency.record((at - sentAt) * 1000);
    };
    const redisProbe = new Redis(ctx.endpoints.redis.url);
    const memBefore = await usedMemory(redisProbe);
    const router = makeRouter(p, ctx.prefix, ctx.endpoints, onMessage);
    ctx.phase(`${p.router}: set up ${p.channels} channels`);
    const t0 = now();
    await router.setup();
    const setupMs = now() - t0;
    ctx.phase(`${p.router}: ${p.messages} messages at ${p.ratePerSec}/s`);
    const sends: SendRecord[] = [];
    const inflight: Array<Promise<void>> = [];
    const start = now();
    for (let i = 0; i < p.messages; i++) {
      const intended = start + (i * 1000) / p.ratePerSec;
      const wait = intended - now();
      if (wait > 1) await ctx.sleep(wait);
      const sentAt = now();
      sends.push({ senderId: 'pub', conversationId: 'hot', clientMsgId: `m${i + 1}`, messageId: String(i + 1), intendedAt: intended, sentAt, ackedAt: sentAt, expectedRecipients: ['sub'] });
      // not awaited: each router batches in-flight requests its own way, as a gateway would
      inflight.push(router.publish(i % p.channels, `${i + 1}|${intended}`).catch(() => {}));
    }
    await Promise.all(inflight);
    const deadline = now() + 10_000;
    while (received.size < p.messages && now() < deadline) await ctx.sleep(50);
    const memAfter = await usedMemory(redisProbe);
    await router.close();
    redisProbe.disconnect();
    const deliveries: DeliveryRecord[] = [...received.entries()].flatMap(([seq, n]) =>
      Array.from({ length: n }, () => ({ recipientId: 'sub', conversationId: 'hot', messageId: String(seq), clientMsgId: `m${seq}`, receivedAt: 0 })),
    );
    return {
      checker: checkDeliveries({ sends, deliveries }),
      latency: latency.summary(),
      measures: { setupMs: Math.round(setupMs), setupUsPerChannel: Math.round((setupMs * 1000) / p.channels), redisMemoryDeltaBytes: memAfter - memBefore },
    };
  },
};

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
}

function makeRouter(p: Params, prefix: string, e: import('../src/infra/index.js').InfraEndpoints, onMessage: (payload: string) => void): Router {
  const names = Array.from({ length: p.channels }, (_, i) => `hot:${prefix}:${p.router}:${i}`);
  if (p.router === 'pubsub') {
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
  if (p.router === 'streams') {
    const pub = new Redis(e.redis.url);
    const sub = new Redis(e.redis.url);
    let running = true;
    const last = names.map(() => '$');
    let loop: Promise<void> = Promise.resolve();
    return {
      setup: async () => {
        const pipeline = pub.pipeline();
        for (const n of names) pipeline.xadd(n, 'MAXLEN', '~', '1000', '*', 'm', 'init');
        const ids = (await pipeline.exec()) ?? [];
        // read on from each stream's first entry: '$' would skip what arrives between two XREADs
        ids.forEach(([, id], i) => (last[i] = String(id)));
        loop = (async () => {
          while (running) {
            const res = (await sub.xread('BLOCK', 500, 'STREAMS', ...names, ...last).catch(() => null)) as Array<[string, Array<[string, string[]]>]> | null;
            for (const [key, entries] of res ?? []) {
              const idx = names.indexOf(key);
              for (const [id, fields] of entries) {
                last[idx] = id;
                if (fields[1] !== 'init') onMessage(fields[1]!);
              }
            }
          }
        })();
        await new Promise((r) => setTimeout(r, 100));
      },
      publish: async (ch, payload) => void (await pub.xadd(names[ch]!, 'MAXLEN', '~', '1000', '*', 'm', payload)),
      close: async () => {
        running = false;
        await loop;
        await pub.del(...names);
        pub.disconnect();
        sub.disconnect();
      },
    };
  }
  const topic = `hot.${prefix}`;
  const kafka = new Kafka({ clientId: 'chatlab-hotpath', brokers: e.kafka.brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  const consumer = kafka.consumer({ groupId: `hot-${prefix}`, maxWaitTimeInMs: 20 });
  // channels are keys within a few partitions: a partition per channel would not scale in Kafka
  const partitions = Math.min(p.channels, 16);
  return {
    setup: async () => {
      await ensureTopics(e.kafka.brokers, { [topic]: partitions });
      await producer.connect();
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
      await consumer.run({ eachMessage: async ({ message }) => onMessage(message.value!.toString()) });
      await joined;
    },
    publish: async (ch, payload) => void (await producer.send({ topic, messages: [{ key: names[ch]!, value: payload }] })),
    close: async () => {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}

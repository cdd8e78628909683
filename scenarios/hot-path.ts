import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { createLatencyHistogram } from '../src/core/index.js';
import { checkDeliveries, type DeliveryRecord, type ScenarioDefinition, type SendRecord } from '../src/scenario/index.js';
import { hotPathFinding } from './findings/others.js';
import { kafkaPartitions, makeRouter } from './hot-path/routers.js';
import { routerSettings, routerSettingsDocs, settingsLine } from './hot-path/settings.js';

const params = z.object({
  router: z.enum(['pubsub', 'streams', 'kafka']).default('pubsub'),
  channels: z.coerce.number().int().min(1).max(100_000).default(200),
  messages: z.coerce.number().int().min(10).default(2000),
  ratePerSec: z.coerce.number().min(1).default(500),
  ...routerSettings,
});
type Params = z.infer<typeof params>;

const now = () => performance.timeOrigin + performance.now();
const ms = (x: number) => (x < 10 ? x.toFixed(1) : Math.round(x).toString());

/**
 * What if the hot path routed through something else? The same publisher → subscriber
 * traffic over Redis Pub/Sub, Redis Streams and Kafka, across many channels, each router's
 * clients tuned for latency as its own users would (settings printed in the report): latency,
 * what the channels cost to set up and to keep (Redis memory), and whether anything was lost.
 */
export const scenario: ScenarioDefinition<Params> = {
  name: 'hot-path',
  description: 'Redis Pub/Sub vs Redis Streams vs Kafka as the message router, each client tuned for latency: latency, where it goes, and the cost of many channels.',
  params,
  defaultSets: { router: ['pubsub', 'streams', 'kafka'] },
  thresholds: ['lost == 0', 'acked > 0', 'delivered > 0'],
  finding: hotPathFinding,
  paramDocs: { router: 'what carries the messages: Redis Pub/Sub, Redis Streams or Kafka', channels: 'channels (topics/streams) the messages spread over', messages: 'messages published', ratePerSec: 'publish rate', ...routerSettingsDocs },
  measures: {
    setupMs: 'time to set up every channel (ms)',
    setupUsPerChannel: 'set-up cost per channel (µs)',
    redisMemoryDeltaBytes: 'Redis memory the channels cost',
    publishAckP50: 'publish → the router acknowledged it, p50 (ms)',
    publishAckP99: 'publish → the router acknowledged it, p99 (ms)',
    ackToReceiveP99: 'acknowledged → the subscriber had it, p99 (ms): the consuming side',
  },
  async run(ctx, p) {
    const received = new Map<number, number>();
    const receivedAt = new Map<number, number>();
    const latency = createLatencyHistogram();
    let probes = 0;
    const onMessage = (payload: string) => {
      const at = now();
      const [seq, sentAt] = payload.split('|').map(Number) as [number, number];
      if (seq <= 0) return void probes++;
      received.set(seq, (received.get(seq) ?? 0) + 1);
      receivedAt.set(seq, at);
      latency.record((at - sentAt) * 1000);
    };
    const redisProbe = new Redis(ctx.endpoints.redis.url);
    const memBefore = await usedMemory(redisProbe);
    const names = Array.from({ length: p.channels }, (_, i) => `hot:${ctx.prefix}:${p.router}:${i}`);
    const router = makeRouter(p.router, names, ctx.endpoints, p, `hot-${ctx.prefix}`, onMessage);
    ctx.info(settingsLine(p.router, p, kafkaPartitions(p.channels)));
    ctx.phase(`${p.router}: set up ${p.channels} channels`);
    const t0 = now();
    await router.setup();
    const setupMs = now() - t0;
    // warm up: one probe through every channel, so no router is measured while its consumer still starts
    ctx.phase(`${p.router}: warm up (a probe through every channel)`);
    await Promise.all(names.map((_, ch) => router.publish(ch, `-${ch}|${now()}`)));
    const warmDeadline = now() + 30_000;
    while (probes < p.channels && now() < warmDeadline) await ctx.sleep(20);
    if (probes < p.channels) ctx.info(`warm-up: ${probes}/${p.channels} probes arrived within 30 s`);
    ctx.phase(`${p.router}: ${p.messages} messages at ${p.ratePerSec}/s`);
    const sends: SendRecord[] = [];
    const acked: number[] = [];
    const inflight: Array<Promise<void>> = [];
    const start = now();
    for (let i = 0; i < p.messages; i++) {
      const intended = start + (i * 1000) / p.ratePerSec;
      const wait = intended - now();
      if (wait > 1) await ctx.sleep(wait);
      const sentAt = now();
      sends.push({ senderId: 'pub', conversationId: 'hot', clientMsgId: `m${i + 1}`, messageId: String(i + 1), intendedAt: intended, sentAt, ackedAt: sentAt, expectedRecipients: ['sub'] });
      // not awaited: each router batches in-flight requests its own way, as a gateway would
      inflight.push(router.publish(i % p.channels, `${i + 1}|${intended}`).then(() => void (acked[i] = now()), () => {}));
    }
    await Promise.all(inflight);
    const deadline = now() + 10_000;
    while (received.size < p.messages && now() < deadline) await ctx.sleep(50);
    const memAfter = await usedMemory(redisProbe);
    await router.close();
    redisProbe.disconnect();
    const publishAck = createLatencyHistogram();
    const ackToReceive = createLatencyHistogram();
    sends.forEach((s, i) => {
      if (acked[i] === undefined) return;
      publishAck.record((acked[i]! - s.sentAt) * 1000);
      const at = receivedAt.get(i + 1);
      // a subscriber can have it before the publisher's reply arrives: that side cost nothing
      if (at !== undefined) ackToReceive.record(Math.max(0, at - acked[i]!) * 1000);
    });
    const pa = publishAck.summary();
    const ar = ackToReceive.summary();
    const total = latency.summary();
    ctx.info(
      `finding: ${p.router} p99 ${ms(total.p99)} ms (p50 ${ms(total.p50)}): the publish is acknowledged at p99 ${ms(pa.p99)} ms, the subscriber has it at p99 ${ms(ar.p99)} ms after that` +
        (p.router === 'kafka' ? ` — a consumer pulls: a record waits for the consumer's next fetch, which it sends once the previous batch is handled${p.kafkaCommitEveryMs === 0 ? ' and its offsets committed' : ''}` : p.router === 'streams' ? ' — XREADGROUP pulls too, but one blocked read returns as soon as a stream gets an entry' : ' — Redis pushes to the subscriber as it publishes'),
    );
    const deliveries: DeliveryRecord[] = [...received.entries()].flatMap(([seq, n]) =>
      Array.from({ length: n }, () => ({ recipientId: 'sub', conversationId: 'hot', messageId: String(seq), clientMsgId: `m${seq}`, receivedAt: 0 })),
    );
    return {
      checker: checkDeliveries({ sends, deliveries }),
      latency: total,
      measures: {
        setupMs: Math.round(setupMs),
        setupUsPerChannel: Math.round((setupMs * 1000) / p.channels),
        redisMemoryDeltaBytes: memAfter - memBefore,
        publishAckP50: pa.p50,
        publishAckP99: pa.p99,
        ackToReceiveP99: ar.p99,
      },
    };
  },
};

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
}

import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { createLatencyHistogram, type LatencySummary } from '../src/core/index.js';
import { checkDeliveries, stepsChart, type DeliveryRecord, type ScenarioDefinition, type SendRecord } from '../src/scenario/index.js';
import { kafkaChannels, redisChannels, type ChannelSet } from './topic-explosion/channels.js';
import { explosionFinding, type StepRow } from './topic-explosion/finding.js';
import { infraPid, maxMapCount, processCost } from './topic-explosion/process-cost.js';
import { statedWhileRunning } from './findings/others.js';

const params = z.object({
  router: z.enum(['kafka', 'pubsub']).default('kafka'),
  counts: z.string().regex(/^\d+(\/\d+)*$/, 'counts: channel counts separated by / (e.g. 1000/5000/10000)').default('200/1000'),
  messages: z.coerce.number().int().min(10).default(500),
  ratePerSec: z.coerce.number().min(1).default(200),
  usableP99Ms: z.coerce.number().min(1).default(1000),
  stepTimeoutSec: z.coerce.number().int().min(10).default(600),
});
type Params = z.infer<typeof params>;

const now = () => performance.timeOrigin + performance.now();

/**
 * The design's main argument against Kafka as the router: one channel per conversation. On
 * each router, channels grow in steps (Kafka: a one-partition topic each; Redis: a Pub/Sub
 * channel each); per step: creation time, the router process's memory, open files and
 * mappings, how long a fresh subscriber takes to read every channel, and produce → consume
 * latency spread over all of them. A step too slow for chat is noted and the ladder goes on;
 * one that loses messages or never finishes ends it.
 */
export const scenario: ScenarioDefinition<Params> = {
  name: 'topic-explosion',
  description: 'One channel per conversation on Kafka (a topic each) vs Redis Pub/Sub: creation time, memory, open files and latency as channels grow, and where Kafka stops being usable.',
  params,
  defaultSets: { router: ['kafka', 'pubsub'] },
  thresholds: ['usableUpTo > 0', 'acked > 0', 'delivered > 0'],
  finding: statedWhileRunning(['usableUpTo'], (run) =>
    stepsChart(run, {
      title: 'produce → consume p99 as channels grow',
      xLabel: 'channels (one per conversation, log)',
      xScale: 'log',
      yLabel: 'p99 (ms, solid)',
      yRightLabel: 'µs to create a channel (dashed)',
      lines: [
        { key: 'p99', name: 'p99' },
        { key: 'createUsPerChannel', name: 'create', axis: 'right', dashed: true },
      ],
    }),
  ),
  better: { usableUpTo: 'higher' },
  paramDocs: {
    router: 'kafka: a topic (one partition) per conversation; pubsub: a Redis channel per conversation',
    counts: 'channel counts to step through, separated by / (cumulative)',
    messages: 'messages per step, spread over every channel',
    ratePerSec: 'publish rate per step',
    usableP99Ms: 'a step is usable when produce → consume p99 stays under this, nothing is lost and a fresh subscriber reads every channel',
    stepTimeoutSec: 'a step that takes longer (creating, subscribing) is not usable',
  },
  measures: {
    usableUpTo: 'the most channels at which the router was still usable',
    'createUsPerChannel@<n>': 'creating the channels of the step, per channel (µs; Redis: nothing to create)',
    'subscribeMs@<n>': 'a fresh subscriber on all n channels until a probe arrived through each (ms)',
    'rssMB@<n>': 'router process resident memory (MB)',
    'openFiles@<n>': 'router process open files',
    'mappings@<n>': 'router process memory mappings',
    'p99@<n>': 'produce → consume p99 (ms)',
    'lost@<n>': 'messages not consumed within 10 s',
    channelsAtOpenFilesLimit: 'channels at which the router process would meet its open-files limit, at the cost per channel measured',
  },
  async run(ctx, p) {
    const counts = [...new Set(p.counts.split('/').map(Number))].sort((a, b) => a - b);
    const pid = infraPid(ctx.stateDir, p.router === 'kafka' ? 'kafka' : 'redis');
    if (pid === null) ctx.info(`no ${p.router} process of the native provider: memory and open files are not measured`);
    const redisUrl = p.router === 'pubsub' ? ctx.endpoints.redis.url : undefined;
    const set: ChannelSet = p.router === 'kafka' ? kafkaChannels(ctx.endpoints, ctx.prefix, (done) => done % 1000 === 0 && ctx.info(`${done} topics created`)) : redisChannels(ctx.endpoints, ctx.prefix);
    const base = await processCost(pid, redisUrl);
    const rows: StepRow[] = [];
    const sends: SendRecord[] = [];
    const deliveries: DeliveryRecord[] = [];
    let last: LatencySummary = createLatencyHistogram().summary();
    let created = 0;
    try {
      for (const [step, n] of counts.entries()) {
        const row: StepRow = { n, createUsPerChannel: 0, subscribeMs: null, cost: base, p99: null, lost: 0, problem: null, broken: false };
        rows.push(row);
        const limit = <T>(what: string, work: Promise<T>) => withTimeout(work, p.stepTimeoutSec * 1000, `${what} took over ${p.stepTimeoutSec} s`);
        try {
          ctx.phase(`${p.router}: ${n} channels — create ${n - created}`);
          const t0 = now();
          await limit('creating', set.grow(n));
          row.createUsPerChannel = Math.round(((now() - t0) * 1000) / (n - created));
          created = n;
          ctx.phase(`${p.router}: ${n} channels — a fresh subscriber, a probe through each`);
          const got = new Set<number>();
          const latency = createLatencyHistogram();
          let probes = 0;
          const t1 = now();
          await limit(
            'subscribing',
            set.subscribe((payload) => {
              const [s, seq, intended] = payload.split('|').map(Number) as [number, number, number];
              if (s !== step) return;
              if (seq < 0) return void probes++;
              got.add(seq);
              latency.record((now() - intended) * 1000);
              deliveries.push({ recipientId: 'sub', conversationId: `c${(seq * 7919) % n}`, messageId: `${step}.${seq}`, clientMsgId: `${step}.${seq}`, receivedAt: 0 });
            }),
          );
          await Promise.all(Array.from({ length: n }, (_, ch) => set.publish(ch, `${step}|-${ch + 1}|0`)));
          const probeDeadline = now() + p.stepTimeoutSec * 1000;
          while (probes < n && now() < probeDeadline) await ctx.sleep(50);
          row.subscribeMs = Math.round(now() - t1);
          if (probes < n) throw new Error(`${n - probes} of ${n} probes never arrived`);
          // what the channels cost while in use (a Redis channel exists only while subscribed)
          row.cost = await processCost(pid, redisUrl);
          ctx.phase(`${p.router}: ${n} channels — ${p.messages} messages at ${p.ratePerSec}/s over all of them`);
          const start = now();
          const inflight: Array<Promise<void>> = [];
          for (let i = 1; i <= p.messages; i++) {
            const intended = start + ((i - 1) * 1000) / p.ratePerSec;
            const wait = intended - now();
            if (wait > 1) await ctx.sleep(wait);
            const ch = (i * 7919) % n;
            sends.push({ senderId: 'pub', conversationId: `c${ch}`, clientMsgId: `${step}.${i}`, messageId: `${step}.${i}`, intendedAt: intended, sentAt: now(), ackedAt: now(), expectedRecipients: ['sub'] });
            inflight.push(set.publish(ch, `${step}|${i}|${intended}`).catch(() => {}));
          }
          await Promise.all(inflight);
          const deadline = now() + 10_000;
          while (got.size < p.messages && now() < deadline) await ctx.sleep(50);
          last = latency.summary();
          row.p99 = last.p99;
          row.lost = p.messages - got.size;
          if (row.lost > 0) [row.problem, row.broken] = [`${row.lost} of ${p.messages} messages not consumed within 10 s`, true];
          else if (last.p99 > p.usableP99Ms) row.problem = `p99 ${Math.round(last.p99)} ms is over ${p.usableP99Ms} ms`;
        } catch (err) {
          row.problem = err instanceof Error ? err.message : String(err);
          row.broken = true;
        } finally {
          await set.unsubscribe().catch(() => {});
        }
        ctx.info(`${n} channels: ${row.problem ?? 'usable'}${row.p99 !== null ? `, p99 ${row.p99.toFixed(1)} ms` : ''}, create ${row.createUsPerChannel} µs/channel, subscribe ${row.subscribeMs ?? '—'} ms`);
        // slow is a finding and the ladder goes on; loss or a step that never finished ends it
        if (row.broken) break;
      }
    } finally {
      ctx.phase(`${p.router}: remove ${created} channels`);
      await set.close();
    }
    const finding = explosionFinding(p.router, rows, base, { usableP99Ms: p.usableP99Ms, maxMapCount: maxMapCount() });
    ctx.info(`finding: ${finding.sentence}`);
    return { checker: checkDeliveries({ sends, deliveries }), latency: last, measures: finding.measures };
  },
};

function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

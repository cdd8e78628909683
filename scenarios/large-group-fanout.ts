import { Redis } from 'ioredis';
import { z } from 'zod';
import { MetricNames, createLatencyHistogram } from '../src/core/index.js';
import type { FanoutRow, ScenarioDefinition } from '../src/scenario/index.js';
import { DEFAULT_ROUTING_POLICY } from '../src/store/index.js';
import { clientsFor, userIds } from './common.js';
import { fanoutFinding } from './findings/fanout.js';

const params = z.object({
  sizes: z.string().regex(/^\d+(\/\d+)*$/, 'sizes: group sizes separated by / (e.g. 10/100/1000)').default('10/100/300'),
  /** growing: hybrid routing, and each group starts smaller and gains members while its messages flow (through the threshold when it is above it). */
  routing: z.enum(['inbox', 'group', 'hybrid', 'growing']).default('hybrid'),
  messages: z.coerce.number().int().min(1).default(20),
  ratePerSec: z.coerce.number().min(1).default(10),
  workers: z.coerce.number().int().min(1).max(16).default(2),
});
type Params = z.infer<typeof params>;

/** The gateways run with the default policy: hybrid switches to the group channel above this size. */
const THRESHOLD = DEFAULT_ROUTING_POLICY.groupThreshold;

/**
 * One sender per group, groups of several sizes, by routing: inbox fan-out on write (one
 * PUBLISH per member), one group channel (fan-out on read), or hybrid (the gateways' default
 * groupThreshold, DEFAULT_ROUTING_POLICY).
 * Measures Redis publishes and bytes per message and first/last-recipient latency.
 */
export const scenario: ScenarioDefinition<Params> = {
  name: 'large-group-fanout',
  description: 'Group sizes × routing (inbox, group channel, hybrid): Redis publishes, bytes, first/last-recipient latency.',
  params,
  defaultSets: { routing: ['inbox', 'group', 'hybrid', 'growing'] },
  thresholds: (p) => ['lost == 0', 'duplicates == 0', ...(p.routing === 'growing' ? ['leaks == 0', 'memberChanges > 0'] : []), 'peakConnections > 0', 'acked > 0', 'delivered > 0'],
  finding: fanoutFinding,
  paramDocs: { sizes: 'group sizes separated by /', routing: `inbox: fan-out on write; group: one channel, fan-out on read; hybrid: group above ${THRESHOLD} members; growing: hybrid, each group starts smaller and gains members during its flow (a group above ${THRESHOLD} crosses it)`, messages: 'messages per group', ratePerSec: 'send rate per group', workers: 'load worker processes' },
  measures: { 'publishesPerMsg@<size>': 'Redis PUBLISH commands per message', 'redisBytesPerMsg@<size>': 'bytes Redis sent per message', 'lastRecipientP99@<size>': 'p99 latency to the last recipient (ms)', memberChanges: 'members added during the flow (growing)' },
  // growing adds members through the HTTP API; the per-user creation / member-change bucket is lifted for it
  serviceOptions: (p) => ({ gateway: p.routing === 'growing' ? { routing: 'hybrid', createRatePerSec: 1000, createRateBurst: 1000 } : { routing: p.routing } }),
  async run(ctx, p) {
    const sizes = p.sizes.split('/').map(Number).sort((a, b) => a - b);
    const users = userIds(ctx.prefix, Math.max(...sizes));
    const groups = await ctx.createConversations(sizes.map((n) => users.slice(0, p.routing === 'growing' ? startSize(n) : n)));
    const pool = await ctx.startClients(clientsFor(users, groups), { workers: p.workers });
    ctx.phase(`connect ${users.length} clients`);
    await pool.all({ type: 'connect', perSecond: 2000 / p.workers });
    const redis = new Redis(ctx.endpoints.redis.url);
    const rows: FanoutRow[] = [];
    let memberChanges = 0;
    try {
      for (const [gi, g] of groups.entries()) {
        const sender = g.members[0]!;
        const finalSize = sizes[gi]!;
        let size = g.members.length;
        ctx.phase(`group of ${g.members.length}: ${p.messages} messages (${p.routing})`);
        const pubBefore = await ctx.scrape(MetricNames.redisPublishes, {}, 'gateway');
        const bytesBefore = await netOutput(redis);
        for (let i = 0; i < p.messages; i++) {
          // growing: members join between messages, the last of them before the last message
          const due = Math.round(startSize(finalSize) + ((finalSize - startSize(finalSize)) * (i + 1)) / p.messages);
          if (p.routing === 'growing' && due > size) {
            const done = await ctx.changeMembers(g.conversationId, sender, 'joined', users.slice(size, due));
            memberChanges += done.changes.length;
            size = due;
          }
          await pool.to(sender, { type: 'send', userId: sender, conversationId: g.conversationId, count: 1 });
          await ctx.sleep(1000 / p.ratePerSec);
        }
        await ctx.sleep(1000);
        const publishes = (await ctx.scrape(MetricNames.redisPublishes, {}, 'gateway')) - pubBefore;
        const bytes = (await netOutput(redis)) - bytesBefore;
        rows.push({ groupSize: g.members.length, routing: p.routing, messages: p.messages, publishesPerMessage: publishes / p.messages, bytesPerMessage: Math.round(bytes / p.messages), firstRecipient: createLatencyHistogram().summary(), lastRecipient: createLatencyHistogram().summary() });
      }
    } finally {
      redis.disconnect();
    }
    await ctx.quiesce(pool, 20_000);
    const { checker, collected } = await ctx.check(pool);
    // first/last recipient per message, from app deliveries (live only)
    const perMessage = new Map<string, { conv: string; intended: number; first: number; last: number }>();
    for (const d of collected.flatMap((w) => w.deliveries)) {
      if (d.raw || d.sync || !d.i) continue;
      const e = perMessage.get(d.id) ?? { conv: d.c, intended: d.i, first: Infinity, last: 0 };
      e.first = Math.min(e.first, d.t);
      e.last = Math.max(e.last, d.t);
      perMessage.set(d.id, e);
    }
    for (const [i, g] of groups.entries()) {
      const first = createLatencyHistogram();
      const last = createLatencyHistogram();
      for (const e of perMessage.values()) {
        if (e.conv !== g.conversationId) continue;
        first.record((e.first - e.intended) * 1000);
        last.record((e.last - e.intended) * 1000);
      }
      rows[i]!.firstRecipient = first.summary();
      rows[i]!.lastRecipient = last.summary();
    }
    const measures: Record<string, number> = p.routing === 'growing' ? { memberChanges } : {};
    for (const r of rows) {
      measures[`publishesPerMsg@${r.groupSize}`] = r.publishesPerMessage;
      measures[`redisBytesPerMsg@${r.groupSize}`] = r.bytesPerMessage;
      measures[`lastRecipientP99@${r.groupSize}`] = r.lastRecipient.p99;
    }
    return { checker, fanout: rows, measures };
  },
};

async function netOutput(redis: Redis): Promise<number> {
  const info = await redis.info('stats');
  return Number(/total_net_output_bytes:(\d+)/.exec(info)?.[1] ?? 0);
}

/** A growing group's first size: its threshold crossing (at THRESHOLD) falls in the middle of the flow when it ends above it. */
function startSize(finalSize: number): number {
  return Math.max(3, finalSize > THRESHOLD ? Math.min(finalSize - 1, THRESHOLD - Math.round((finalSize - THRESHOLD) / 2)) : Math.ceil(finalSize / 2));
}

import { z } from 'zod';
import { MetricNames, createLatencyHistogram } from '../src/core/index.js';
import type { PoolSecond, ScenarioDefinition } from '../src/scenario/index.js';
import { chunk, clientsFor, ringPairs, userIds } from './common.js';
import { bystanderCurve, presenceFinding } from './findings/presence.js';

const params = z.object({
  users: z.coerce.number().int().min(10).max(50_000).default(200),
  friends: z.coerce.number().int().min(1).max(100).default(8),
  groupSize: z.coerce.number().int().min(3).default(10),
  chatRatePerSec: z.coerce.number().min(1).default(40),
  /** Fraction of users that drop and come back in each storm wave. */
  stormFraction: z.coerce.number().min(0).max(1).default(0.5),
  waves: z.coerce.number().int().min(1).default(3),
  presence: z.enum(['decoupled', 'inline']).default('decoupled'),
  workers: z.coerce.number().int().min(1).max(16).default(2),
});
type Params = z.infer<typeof params>;

/**
 * Chat flows while waves of friends disconnect and reconnect: with presence decoupled (events
 * to the presence server) vs inline (the gateway fans out on the chat path), what happens to
 * chat latency during the storm, and how many presence writes and notifications it costs.
 */
export const scenario: ScenarioDefinition<Params> = {
  name: 'presence-storm',
  description: 'Mass disconnect/reconnect of friends while chat flows: chat p99 during the storm, presence decoupled vs inline.',
  params,
  defaultSets: { presence: ['decoupled', 'inline'] },
  thresholds: ['lost == 0', 'duplicates == 0', 'peakConnections > 0', 'acked > 0', 'delivered > 0'],
  finding: presenceFinding,
  paramDocs: { users: 'simulated users', friends: 'friends per user (direct conversations)', groupSize: 'members per chat group', chatRatePerSec: 'chat messages per second while the storm runs', stormFraction: 'fraction of users that disconnect and reconnect in each wave', waves: 'disconnect/reconnect waves', presence: 'decoupled: presence server; inline: gateways write presence on the chat path', workers: 'load worker processes' },
  measures: { chatP99BeforeMs: 'chat p99 before the storm (ms)', chatP99DuringStormMs: 'chat p99 during the storm (ms)', bystanderChatP99BeforeMs: 'p99 of users outside the storm, before (ms)', bystanderChatP99DuringStormMs: 'p99 of users outside the storm, during (ms)', presenceEvents: 'presence events', presenceRedisWrites: 'presence writes to Redis', presenceWriteReduction: 'events per Redis write', presenceNotifications: 'presence notifications sent', presenceNotificationsReceived: 'presence frames clients got' },
  serviceOptions: (p) => ({ gateway: { presence: p.presence } }),
  better: { presenceNotificationsReceived: 'higher' },
  async run(ctx, p) {
    const users = userIds(ctx.prefix, p.users);
    const pairs = ringPairs(users, p.friends);
    const groups = chunk(users, p.groupSize);
    const convs = await ctx.createConversations([...groups, ...pairs]);
    const chatConvs = new Set(convs.slice(0, groups.length).map((c) => c.conversationId));
    // everyone syncs every conversation after a reconnect, but chat goes to the groups only
    const pool = await ctx.startClients(clientsFor(users, convs, (c) => chatConvs.has(c)), {
      workers: p.workers,
    });
    ctx.phase(`connect ${p.users} users (${p.friends} friends each)`);
    await pool.all({ type: 'connect', perSecond: 1000 / p.workers });
    await pool.all({ type: 'rate', perSecond: p.chatRatePerSec / p.workers });
    const before = {
      events: await ctx.scrape(MetricNames.presenceEvents),
      writes: await ctx.scrape(MetricNames.presenceRedisWrites),
      notes: await ctx.scrape(MetricNames.presenceNotifications),
    };
    ctx.phase('baseline chat');
    await ctx.sleep(5000);
    // the same users storm every wave; the others are bystanders whose chat we watch
    const wave = users.slice(0, Math.round(users.length * p.stormFraction));
    const bystanders = new Set(users.slice(wave.length));
    const stormFrom = Date.now();
    const stormStart = pool.seconds.length;
    for (let w = 0; w < p.waves; w++) {
      ctx.fault(`storm wave ${w + 1}/${p.waves}: ${wave.length} users disconnect`);
      await pool.toUsers(wave, (us) => ({ type: 'disconnect', users: us }));
      await ctx.sleep(2000);
      ctx.fault(`storm wave ${w + 1}/${p.waves}: ${wave.length} users reconnect`);
      await pool.toUsers(wave, (us) => ({ type: 'reconnect', users: us }));
      await ctx.sleep(2000);
    }
    const stormEnd = pool.seconds.length;
    const stormTo = Date.now();
    ctx.phase('after the storm');
    await ctx.sleep(4000);
    await ctx.quiesce(pool, 30_000);
    const { checker, collected } = await ctx.check(pool);
    const bystanderLatency = (from: number, to: number) => {
      const h = createLatencyHistogram();
      for (const d of collected.flatMap((w) => w.deliveries)) {
        if (d.raw || d.sync || !d.i || !bystanders.has(d.r) || d.i < from || d.i > to) continue;
        h.record((d.t - d.i) * 1000);
      }
      return h.summary().p99;
    };
    const p99Of = (seconds: PoolSecond[]) => {
      const h = createLatencyHistogram();
      for (const s of seconds) h.merge(s.latency);
      return h.summary().p99;
    };
    const events = (await ctx.scrape(MetricNames.presenceEvents)) - before.events;
    const writes = (await ctx.scrape(MetricNames.presenceRedisWrites)) - before.writes;
    return {
      checker,
      curves: { bystanderP99: bystanderCurve(collected.flatMap((w) => w.deliveries), bystanders, stormFrom) },
      measures: {
        chatP99BeforeMs: p99Of(pool.seconds.slice(0, stormStart)),
        chatP99DuringStormMs: p99Of(pool.seconds.slice(stormStart, stormEnd + 1)),
        bystanderChatP99BeforeMs: bystanderLatency(0, stormFrom),
        bystanderChatP99DuringStormMs: bystanderLatency(stormFrom, stormTo),
        presenceEvents: events,
        presenceRedisWrites: writes,
        presenceWriteReduction: writes > 0 ? Math.round((events / writes) * 10) / 10 : 0,
        presenceNotifications: (await ctx.scrape(MetricNames.presenceNotifications)) - before.notes,
        presenceNotificationsReceived: pool.seconds.reduce((s, x) => s + x.totals.presence, 0),
      },
    };
  },
};

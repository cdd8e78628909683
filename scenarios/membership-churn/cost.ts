import { Redis } from 'ioredis';
import type { MemberChangeDone, ScenarioContext } from '../../src/scenario/index.js';

/** The three kinds of change whose cost the probe measures (hybrid routing). */
export const COST_KINDS = ['inbox', 'group', 'crossing'] as const;
export type CostKind = (typeof COST_KINDS)[number];

export interface ProbeGroup {
  kind: CostKind;
  conversationId: string;
  members: string[];
  /** A user outside the group (crossing: the one who joins and leaves). */
  outsider: string;
}

export interface KindCost {
  changes: number;
  /** Redis commands per change, above what the idle stack runs in the same time. */
  redisOpsPerChange: number;
  /** Group channels subscribed or unsubscribed, per gateway per change. */
  subChangesPerGateway: number;
  /** The requests, for timing from the member frames afterwards. */
  requests: Array<{ messageId: string; requestedAt: number; audience: string[] }>;
}

const SUBS = 'chatlab_redis_subscription_changes_total';

async function commandsProcessed(redis: Redis): Promise<number> {
  return Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))?.[1] ?? 0);
}

/**
 * With nothing else changing (no messages, no faults), makes `n` changes of each kind one by
 * one and reads what they cost: below the threshold (inbox routing: a member leaves and comes
 * back), above it (group channel: the same), and across it (an outsider joins a group at the
 * threshold, which moves it to its group channel, and leaves, which moves it back).
 */
export async function probeCosts(ctx: ScenarioContext, groups: ProbeGroup[], n: number): Promise<Record<CostKind, KindCost>> {
  const redis = new Redis(ctx.endpoints.redis.url);
  const out = {} as Record<CostKind, KindCost>;
  try {
    for (const g of groups) {
      ctx.phase(`cost probe: ${n} changes, ${g.kind} (${g.members.length} members)`);
      // what the stack does on its own (heartbeats, presence, workers) over a second
      const idle0 = await commandsProcessed(redis);
      const idleStart = Date.now();
      await ctx.sleep(1000);
      const idleRate = (await commandsProcessed(redis) - idle0) / (Date.now() - idleStart);
      const subs0 = await ctx.scrape(SUBS, { channel: 'group' }, 'gateway');
      const cmds0 = await commandsProcessed(redis);
      const t0 = Date.now();
      const requests: KindCost['requests'] = [];
      let members = [...g.members];
      for (let i = 0; i < n; i++) {
        const leaving = g.kind === 'crossing' ? i % 2 === 1 : i % 2 === 0;
        const user = g.kind === 'crossing' ? g.outsider : g.members.at(-1)!;
        const by = g.members[0]!;
        const before = members;
        const done: MemberChangeDone = await ctx.changeMembers(g.conversationId, by, leaving ? 'left' : 'joined', [user]);
        members = leaving ? members.filter((m) => m !== user) : [...members, user];
        for (const c of done.changes) requests.push({ messageId: c.messageId, requestedAt: done.requestedAt, audience: [...new Set([...before, ...members])] });
      }
      await ctx.sleep(300); // catch-ups and unsubscribes finish
      const elapsed = Date.now() - t0;
      const cmds = (await commandsProcessed(redis)) - cmds0 - idleRate * elapsed;
      const subs = (await ctx.scrape(SUBS, { channel: 'group' }, 'gateway')) - subs0;
      out[g.kind] = {
        changes: n,
        redisOpsPerChange: Math.max(0, Math.round((cmds / n) * 10) / 10),
        subChangesPerGateway: Math.round((subs / Math.max(1, ctx.gateways.length) / n) * 100) / 100,
        requests,
      };
    }
  } finally {
    redis.disconnect();
  }
  return out;
}

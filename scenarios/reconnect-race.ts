import { z } from 'zod';
import type { ScenarioDefinition } from '../src/scenario/index.js';
import { backoffOf, backoffParams, bool, chunk, clientsFor, userIds } from './common.js';

const params = z.object({
  clients: z.coerce.number().int().min(4).max(20_000).default(24),
  groupSize: z.coerce.number().int().min(3).max(1000).default(6),
  ratePerSec: z.coerce.number().min(1).default(40),
  durationSec: z.coerce.number().min(2).default(10),
  /** Fraction of connected clients dropped (no close frame) every flap period. */
  flapFraction: z.coerce.number().min(0).max(1).default(0.15),
  flapEveryMs: z.coerce.number().int().min(100).default(1000),
  /** kill -9 one gateway in the middle of the run (restarted afterwards). */
  killGateway: bool.default(true),
  workers: z.coerce.number().int().min(1).max(16).default(2),
  ...backoffParams,
});
type Params = z.infer<typeof params>;

/**
 * Clients flap (connections dropped without a close frame) while messages flow, and a gateway
 * dies: after reconnecting and syncing, nobody may have lost a message or seen one twice.
 */
export const scenario: ScenarioDefinition<Params> = {
  name: 'reconnect-race',
  description: 'Clients flap and a gateway is killed while messages flow: zero loss, zero visible duplicates.',
  params,
  thresholds: ['lost == 0', 'duplicates == 0', 'hot.ackedNotStored == 0'],
  better: { reconnects: 'lower' },
  async run(ctx, p) {
    const users = userIds(ctx.prefix, p.clients);
    const groups = chunk(users, p.groupSize);
    const convs = await ctx.createConversations(groups);
    const pool = await ctx.startClients(clientsFor(users, convs), {
      workers: p.workers,
      backoff: backoffOf(p),
    });
    ctx.phase(`connect ${p.clients} clients`);
    await pool.all({ type: 'connect', perSecond: 500 });
    ctx.phase(`flow ${p.ratePerSec} msg/s, flapping ${Math.round(p.flapFraction * 100)}% every ${p.flapEveryMs} ms`);
    await pool.all({ type: 'rate', perSecond: p.ratePerSec / p.workers });
    await pool.all({ type: 'flap', fraction: p.flapFraction, everyMs: p.flapEveryMs, untilMs: p.durationSec * 1000 });
    const victim = ctx.gateways.at(-1);
    if (p.killGateway && victim && ctx.gateways.length > 1) {
      await ctx.sleep((p.durationSec * 1000) / 2);
      ctx.fault(`kill -9 ${victim.name}`);
      await ctx.control.killGateway(victim.name);
      await ctx.sleep((p.durationSec * 1000) / 2);
      ctx.fault(`restart ${victim.name}`);
      await ctx.control.startGateway(victim.name);
    } else {
      await ctx.sleep(p.durationSec * 1000);
    }
    ctx.phase('quiesce: stop sending, let everyone reconnect and sync');
    await ctx.quiesce(pool);
    const { checker } = await ctx.check(pool);
    const reconnects = pool.seconds.reduce((s, x) => s + x.totals.reconnects, 0);
    ctx.phase(`checked: lost ${checker.lost}, duplicates ${checker.duplicates}`);
    return { checker, measures: { reconnects, duplicatesRaw: checker.duplicatesRaw, reordered: checker.reordered } };
  },
};

import { createLatencyHistogram, type LatencySummary } from '../../src/core/index.js';
import type { LoadPool, PoolSecond, ScenarioContext } from '../../src/scenario/index.js';
import { chunk, clientsFor, userIds } from '../common.js';

/** What one step of offered load produced. */
export interface StepOutcome {
  sent: number;
  acked: number;
  expected: number;
  delivered: number;
  /** Deliveries expected and not seen after the grace, plus clients that should hold a connection and do not. */
  lost: number;
  deliveredFramesPerSec: number;
  connections: number;
  latency: LatencySummary;
  messagesPerSec: number;
}

interface StepLoad {
  /** Offered load → messages/s to send and the clients to hold. */
  prepare(load: number): Promise<{ messagesPerSec: number }>;
  pools(): LoadPool[];
  recipientsPerMessage: number;
  /** Clients that should be connected now. */
  held(): number;
}

const totals = (s: PoolSecond[]) => ({
  sends: s.reduce((n, x) => n + x.totals.sends, 0),
  acks: s.reduce((n, x) => n + x.totals.acks, 0),
  deliveries: s.reduce((n, x) => n + x.totals.deliveries, 0),
});

/**
 * One step on the pools: warm up, then a measured window, then stop sending and wait for
 * every expected delivery (or the grace). Rates are per worker in the load protocol, so each
 * pool gets its share by clients held.
 */
export async function runStep(ctx: ScenarioContext, l: StepLoad, load: number, o: { warmupSec: number; measureSec: number; graceSec: number; onWindow: (phase: 'start' | 'end') => Promise<void> }): Promise<StepOutcome> {
  const { messagesPerSec } = await l.prepare(load);
  const pools = l.pools();
  const clients = pools.map((p) => p.size);
  const all = clients.reduce((a, b) => a + b, 0);
  const mark = pools.map((p) => p.seconds.length);
  await Promise.all(pools.map((p, i) => p.all({ type: 'rate', perSecond: (messagesPerSec * clients[i]!) / all / p.workerCount })));
  await ctx.sleep(o.warmupSec * 1000);
  const windowMark = pools.map((p) => p.seconds.length);
  await o.onWindow('start');
  await ctx.sleep(o.measureSec * 1000);
  await o.onWindow('end');
  const windowEnd = pools.map((p) => p.seconds.length);
  await Promise.all(pools.map((p) => p.all({ type: 'rate', perSecond: 0 })));
  const seen = () => pools.map((p, i) => totals(p.seconds.slice(mark[i]))).reduce((a, b) => ({ sends: a.sends + b.sends, acks: a.acks + b.acks, deliveries: a.deliveries + b.deliveries }));
  const deadline = Date.now() + o.graceSec * 1000;
  let t = seen();
  // a tick a second: wait for the last ones to come in, up to the grace
  while (Date.now() < deadline && (t.deliveries < t.acks * l.recipientsPerMessage || pools.some((p) => (p.latest()?.totals.pendingAcks ?? 0) > 0))) {
    await ctx.sleep(1000);
    t = seen();
  }
  await ctx.sleep(1100);
  t = seen();
  const latency = createLatencyHistogram();
  for (const [i, p] of pools.entries()) for (const s of p.seconds.slice(mark[i])) latency.merge(s.latency);
  // each pool's ticks are one second each: its deliveries per tick in the window, summed over pools
  const deliveredFramesPerSec = pools.reduce((n, p, i) => n + totals(p.seconds.slice(windowMark[i], windowEnd[i])).deliveries / Math.max(1, windowEnd[i]! - windowMark[i]!), 0);
  const expected = t.acks * l.recipientsPerMessage;
  const connections = pools.reduce((n, p) => n + (p.latest()?.totals.connected ?? 0), 0);
  return {
    sent: t.sends,
    acked: t.acks,
    expected,
    delivered: t.deliveries,
    lost: Math.max(0, expected - t.deliveries) + Math.max(0, l.held() - connections) + (t.sends - t.acks),
    deliveredFramesPerSec,
    connections,
    latency: latency.summary(),
    messagesPerSec,
  };
}

/** `frames`: a fixed set of clients in groups; the step's load is frames/s offered to them. */
export async function framesLoad(ctx: ScenarioContext, o: { clients: number; groupSize: number; workers: number }): Promise<StepLoad> {
  // whole groups only, so every message has exactly groupSize - 1 recipients
  const users = userIds(ctx.prefix, Math.ceil(o.clients / o.groupSize) * o.groupSize);
  const groups = await ctx.createConversations(chunk(users, o.groupSize));
  const pool = await ctx.startClients(clientsFor(users, groups), { workers: o.workers, recordHistory: false });
  ctx.phase(`connect ${users.length} clients in ${groups.length} groups of ${o.groupSize}`);
  await pool.all({ type: 'connect', perSecond: 500 / pool.workerCount });
  return {
    recipientsPerMessage: o.groupSize - 1,
    prepare: async (frames) => ({ messagesPerSec: frames / (o.groupSize - 1) }),
    pools: () => [pool],
    held: () => users.length,
  };
}

/** `connections`: each step adds clients (in groups) until `load` are held, under a steady message rate. */
export function connectionsLoad(ctx: ScenarioContext, o: { groupSize: number; ratePerSec: number; connectPerSec: number }): StepLoad {
  const pools: LoadPool[] = [];
  let held = 0;
  return {
    recipientsPerMessage: o.groupSize - 1,
    async prepare(target) {
      if (target > held) {
        const users = userIds(`${ctx.prefix}c${pools.length}`, Math.ceil((target - held) / o.groupSize) * o.groupSize);
        const groups = await ctx.createConversations(chunk(users, o.groupSize));
        const pool = await ctx.startClients(clientsFor(users, groups), { workers: 1, recordHistory: false });
        ctx.phase(`connect ${users.length} more clients (${held + users.length} in all)`);
        await pool.all({ type: 'connect', perSecond: o.connectPerSec });
        pools.push(pool);
        held += users.length;
      }
      return { messagesPerSec: o.ratePerSec };
    },
    pools: () => pools,
    held: () => held,
  };
}

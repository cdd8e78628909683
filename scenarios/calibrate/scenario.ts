import { z } from 'zod';
import { checkDeliveries, type ScenarioDefinition } from '../../src/scenario/index.js';
import { readState } from '../../src/stack/index.js';
import { add, counters, flapWindows, gatewayKnee, groupPool, idleMemory, idleRates, readPath, steadyWindows, type Samples } from './steps.js';
import { duBytes, processesOf, rssNow, sumOf } from './probe.js';

const params = z.object({
  routing: z.enum(['inbox', 'group']).default('group'),
  clients: z.coerce.number().int().min(20).default(300),
  groupSize: z.coerce.number().int().min(3).default(30),
  framesPerSec: z.coerce.number().min(10).default(2000),
  pairs: z.coerce.number().int().min(10).default(100),
  directPerSec: z.coerce.number().min(1).default(150),
  windowSec: z.coerce.number().min(1).default(6),
  /** Idle windows at the start of each variant: each process kind's baseline. */
  idleSec: z.coerce.number().min(1).default(5),
  idleWindows: z.coerce.number().int().min(1).default(3),
  flapWaves: z.coerce.number().int().min(1).default(3),
  repeats: z.coerce.number().int().min(1).default(3),
  idleConnections: z.coerce.number().int().min(0).default(10_000),
  historyPerSec: z.coerce.number().min(1).default(20),
  searchPerSec: z.coerce.number().min(1).default(4),
  kneeStart: z.coerce.number().min(50).default(100),
  kneeSteps: z.coerce.number().int().min(1).default(6),
});
type Params = z.infer<typeof params>;

/** Encodes the samples as measures `name#i` (the run result carries numbers only). */
function encode(s: Samples): Record<string, number> {
  return Object.fromEntries(Object.entries(s).flatMap(([k, vs]) => vs.map((v, i) => [`${k}#${i}`, v] as const)));
}

async function redisInfo(url: string): Promise<{ usedMemory: number; channels: number }> {
  const { Redis } = await import('ioredis');
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await r.connect();
    const mem = /used_memory:(\d+)/.exec(await r.info('memory'));
    const channels = (await r.pubsub('CHANNELS')) as string[];
    return { usedMemory: Number(mem?.[1] ?? 0), channels: channels.length };
  } finally {
    r.disconnect();
  }
}

async function indexBytes(url: string): Promise<number> {
  const rows = (await fetch(`${url}/_cat/indices?bytes=b&h=index,store.size&format=json`).then((r) => r.json())) as Array<{ index: string; 'store.size': string }>;
  return rows.filter((r) => !r.index.startsWith('.')).reduce((s, r) => s + Number(r['store.size'] ?? 0), 0);
}

/**
 * The steps of `chatlab calibrate` (not a listed scenario): steady-state windows that isolate
 * each unit cost the sizing model multiplies, per process from /proc, repeated for a spread.
 */
export const calibrateScenario: ScenarioDefinition<Params> = {
  name: 'calibrate',
  description: 'Unit costs for the sizing model: CPU per frame, send, handshake, publish, message persisted and indexed, read; memory per connection; bytes per message; knees; USL over 1, 2, 3 gateways.',
  params,
  thresholds: [],
  serviceOptions: (p) => ({ gateway: { routing: p.routing } }),
  async run(ctx, p) {
    const s: Samples = {};
    const state = readState(ctx.stateDir)!;
    const dirs = { kafka: `${ctx.stateDir}/native/kafka/data`, cassandra: `${ctx.stateDir}/native/cassandra/data` };
    const disk0 = { kafka: duBytes(dirs.kafka), cassandra: duBytes(dirs.cassandra), search: await indexBytes(state.endpoints!.search!.url).catch(() => 0) };
    const c0 = await counters(ctx);
    ctx.phase(`idle burn (${p.idleWindows} × ${p.idleSec} s)`);
    const idle = await idleRates(ctx, processesOf(ctx.stateDir), p.idleSec, s, p.idleWindows);

    const fan = await groupPool(ctx, s, { tag: 'f', clients: p.clients, size: p.groupSize, workers: 2, idle, heldClients: p.clients });
    await steadyWindows(ctx, s, fan.pool, { tag: 'fan', messagesPerSec: p.framesPerSec / (p.groupSize - 1), windowSec: p.windowSec, repeats: p.repeats, idle: fan.baseline });
    const rss = rssNow(processesOf(ctx.stateDir));
    add(s, 'gatewayBytesPerActiveConnection', (sumOf(rss, 'gateway') - sumOf(fan.rss0, 'gateway')) / fan.users.length);
    // each pool's windows count above the idle burn and the clients already held (the pools before it)
    const direct = await groupPool(ctx, s, { tag: 'd', clients: p.pairs * 2, size: 2, workers: 1, idle: fan.baseline });
    // status flaps with one conversation per client (the direct pairs) and with four (a ring of friends), both still empty: reconnects apart from their syncs
    await flapWindows(ctx, s, direct.pool, direct.users, { waves: p.flapWaves, share: 0.5, conversationsPerUser: 1, idle: direct.baseline });
    await steadyWindows(ctx, s, direct.pool, { tag: 'dir', messagesPerSec: p.directPerSec, windowSec: p.windowSec, repeats: p.repeats, idle: direct.baseline });
    const ring = await groupPool(ctx, s, { tag: 'g', clients: 100, size: 2, friends: 4, workers: 1, idle: direct.baseline });
    await flapWindows(ctx, s, ring.pool, ring.users, { waves: p.flapWaves, share: 0.5, conversationsPerUser: 4, idle: ring.baseline });
    await ring.pool.stop();
    // read receipts on their own clients: a read is a frame to the gateway that the two windows above must not count
    const readers = await groupPool(ctx, s, { tag: 'r', clients: 60, size: 2, workers: 1, idle: direct.baseline, autoRead: true, heldSec: 2 });
    await steadyWindows(ctx, s, readers.pool, { tag: 'rcpt', messagesPerSec: 60, windowSec: p.windowSec, repeats: 2, idle: readers.baseline });
    await readers.pool.stop();
    add(s, 'gateways', ctx.gateways.length);

    // the steps that do not depend on routing (disk, read path, memory, knee and USL) run in the group variant only
    if (p.routing === 'group') {
      await ctx.sleep(2000);
      const c1 = await counters(ctx);
      const persisted = c1.persisted - c0.persisted;
      const indexed = c1.indexed - c0.indexed;
      if (persisted > 0) {
        add(s, 'kafkaBytesPerMessage', (duBytes(dirs.kafka) - disk0.kafka) / persisted);
        add(s, 'cassandraBytesPerMessage', (duBytes(dirs.cassandra) - disk0.cassandra) / persisted);
      }
      if (indexed > 0) add(s, 'searchBytesPerMessage', ((await indexBytes(state.endpoints!.search!.url).catch(() => disk0.search)) - disk0.search) / indexed);
      await readPath(ctx, s, { users: fan.users, groups: fan.groups, historyRate: p.historyPerSec, searchRate: p.searchPerSec, seconds: 4, idle });
      await fan.pool.stop();
      await direct.pool.stop();
      if (p.idleConnections > 0) await idleMemory(ctx, s, p.idleConnections, () => redisInfo(state.endpoints!.redis.url));
      // the knee with 1, 2, 3 gateways: the others stopped, fresh clients (those dealt to a stopped one move on to a live one)
      const names = ctx.gateways.map((g) => g.name);
      for (let n = 1; n <= Math.min(3, names.length); n++) {
        for (const [i, name] of names.entries()) {
          if (i >= n) await ctx.control.stopService(name);
          else await ctx.control.startService(name).catch(() => {});
        }
        const knee = await groupPool(ctx, {}, { tag: `k${n}`, clients: 200, size: 10, workers: 2, idle, heldSec: 1 });
        add(s, `usl.${n}`, await gatewayKnee(ctx, knee.pool, knee.users.length, 10, p.kneeStart, p.kneeSteps + n - 1, (f, p99, lost) => {
          add(s, `knee.${n}.frames`, f);
          add(s, `knee.${n}.p99`, p99);
          add(s, `knee.${n}.lost`, lost);
          ctx.info(`${n} gateway(s), ${f} frames/s: p99 ${p99.toFixed(1)} ms, lost ${lost}`);
        }));
        await knee.pool.stop();
      }
      for (const name of names) await ctx.control.startService(name).catch(() => {});
    } else {
      await fan.pool.stop();
      await direct.pool.stop();
    }
    const checker = checkDeliveries({ sends: [], deliveries: [] });
    return { checker, measures: encode(s) };
  },
};

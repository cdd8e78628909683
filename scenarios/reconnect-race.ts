import { z } from 'zod';
import type { ScenarioDefinition } from '../src/scenario/index.js';
import { backoffOf, backoffParams, chunk, clientsFor, userIds } from './common.js';
import { faultParams, faults, inject } from './faults.js';
import { reconnectRaceFinding } from './findings/others.js';
import { StorageReadsSampler, syncedAfterMs } from './reconnect-race/storage.js';

const params = z.object({
  clients: z.coerce.number().int().min(4).max(20_000).default(24),
  groupSize: z.coerce.number().int().min(3).max(1000).default(6),
  /** open: sends follow `ratePerSec` whatever happens; closed: each client waits for its ack, then `thinkMs`. */
  model: z.enum(['open', 'closed']).default('open'),
  ratePerSec: z.coerce.number().min(1).default(40),
  thinkMs: z.coerce.number().int().min(0).default(500),
  durationSec: z.coerce.number().min(2).default(10),
  /** Fraction of connected clients dropped (no close frame) every flap period. */
  flapFraction: z.coerce.number().min(0).max(1).default(0.15),
  flapEveryMs: z.coerce.number().int().min(100).default(1000),
  ...faultParams,
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
  description: 'Clients flap while messages flow and a fault strikes (a gateway killed by default): zero loss, zero visible duplicates.',
  params,
  // reordered: ids rise in publish order per conversation, whatever a gateway's clock says
  // (clock-skew); equal ids from two gateways would show as lost (clients drop the second)
  thresholds: ['lost == 0', 'duplicates == 0', 'reordered == 0', 'hot.ackedNotStored == 0', 'peakConnections > 0', 'acked > 0', 'delivered > 0'],
  finding: reconnectRaceFinding,
  paramDocs: { clients: 'simulated clients', groupSize: 'members per conversation', model: 'open: sends follow ratePerSec; closed: each client waits for its ack, then thinkMs', ratePerSec: 'messages per second in total (open model)', thinkMs: 'pause after each ack (closed model)', durationSec: 'how long messages flow', flapFraction: 'fraction of connected clients dropped every flap period', flapEveryMs: 'flap period', fault: 'what goes wrong half-way (and is repaired)', skewMs: 'clock-skew: ms one gateway\'s clock is stepped (negative: back)', workers: 'load worker processes', backoff: 'reconnect backoff policy', backoffMinMs: 'first backoff step (ms)', backoffMaxMs: 'backoff cap (ms)' },
  choiceDocs: { fault: faults.docs('chat') },
  cannotRun: (p, stack) => faults.unmet(p.fault, stack),
  measures: {
    reconnects: 'client reconnects during the run',
    duplicatesRaw: 'duplicate frames that reached sockets (repaired by the client)',
    reordered: 'deliveries out of order',
    refusals: 'error frames the clients got (e.g. sends refused `unavailable` while ids cannot be minted in order; sent again)',
    inSyncMs: 'the fault struck (restart-redis: Redis is back) → every client connected again with no sync in flight (ms, to the second; -1: not all by the end)',
    peakStorageReadsPerSec: 'history pages read from Cassandra per second at the peak, all gateways (scraped each second)',
    peakStorageReadsInFlight: 'most history pages in flight at Cassandra at once on one gateway (since it started)',
    storageReadBound: "the gateways' bound on history pages in flight at once",
    peakStorageReadsWaiting: 'most history reads seen waiting for a turn on one gateway (scraped each second)',
  },
  better: { reconnects: 'lower', inSyncMs: 'lower' },
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
    const flow = p.model === 'open' ? `${p.ratePerSec} msg/s (open model)` : `closed model, ${p.thinkMs} ms think time`;
    ctx.phase(`flow ${flow}, flapping ${Math.round(p.flapFraction * 100)}% every ${p.flapEveryMs} ms`);
    if (p.model === 'open') await pool.all({ type: 'rate', perSecond: p.ratePerSec / p.workers });
    else await pool.all({ type: 'closed', thinkMs: p.thinkMs });
    await pool.all({ type: 'flap', fraction: p.flapFraction, everyMs: p.flapEveryMs, untilMs: p.durationSec * 1000 });
    const half = (p.durationSec * 1000) / 2;
    const reads = new StorageReadsSampler(() => ctx.gateways);
    reads.start();
    let faultAt = 0;
    try {
      await ctx.sleep(half);
      const repair = await inject(ctx, p.fault, () => pool.all({ type: 'drop', fraction: 0.5 }), p.skewMs);
      faultAt = Date.now();
      await ctx.sleep(half);
      await repair();
      ctx.phase('quiesce: stop sending, let everyone reconnect and sync');
      await ctx.quiesce(pool);
    } finally {
      await reads.stop();
    }
    const storage = reads.summary();
    const inSyncMs = syncedAfterMs(pool.seconds, p.clients, faultAt);
    ctx.phase(`storage: peak ${storage.peakReadsPerSec} pages/s, at most ${storage.peakInFlight} in flight on one gateway (bound ${storage.bound}); every client in sync ${inSyncMs} ms after the fault struck`);
    const { checker } = await ctx.check(pool);
    const reconnects = pool.seconds.reduce((s, x) => s + x.totals.reconnects, 0);
    const refusals = pool.seconds.reduce((s, x) => s + x.totals.errors, 0);
    ctx.phase(`checked: lost ${checker.lost}, duplicates ${checker.duplicates}`);
    const measures = {
      reconnects, duplicatesRaw: checker.duplicatesRaw, reordered: checker.reordered, refusals, inSyncMs,
      peakStorageReadsPerSec: storage.peakReadsPerSec, peakStorageReadsInFlight: storage.peakInFlight, storageReadBound: storage.bound, peakStorageReadsWaiting: storage.peakWaiting,
    };
    return { checker, measures };
  },
};

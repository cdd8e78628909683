import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { LoadPool, type ScenarioDefinition } from '../src/scenario/index.js';
import { backoffOf, backoffParams, clientsFor, ringPairs, userIds } from './common.js';
import { herdFinding } from './findings/herd.js';
import { readState } from '../src/stack/index.js';
import { capacityWarning, clientRoom, gatewayFiles, type GatewayFiles } from './thundering-herd/open-files.js';
import { watchDeadline } from './thundering-herd/window.js';

const params = z.object({
  clients: z.coerce.number().int().min(10).max(50_000).default(400),
  /** Direct conversations per client: each is one sync request after a reconnect. */
  friends: z.coerce.number().int().min(0).max(50).default(2),
  connectPerSec: z.coerce.number().min(10).default(1000),
  /**
   * How long to watch the herd come back before giving up: from the fault, or from the victim's
   * restart when the survivors cannot hold every client (those without room cannot come back before).
   */
  recoverSec: z.coerce.number().min(5).default(45),
  workers: z.coerce.number().int().min(1).max(16).default(2),
  /** How the gateway goes: kill -9 (a crash) or SIGTERM (graceful: its clients are told when to come back). */
  victim: z.enum(['kill', 'term']).default('kill'),
  /** The victim is started again this long after the fault, as its supervisor would (0: only after the window). */
  restartAfterSec: z.coerce.number().min(0).default(10),
  /** Handshakes per second each gateway admits (503 beyond, as a load balancer sheds); 0 = no limit. */
  admitPerSec: z.coerce.number().min(0).default(0),
  ...backoffParams,
  backoffMinMs: z.coerce.number().int().min(1).default(1000),
  backoffMaxMs: z.coerce.number().int().min(1).default(30_000),
});
type Params = z.infer<typeof params>;

/**
 * N clients connected, one gateway goes (kill -9, or SIGTERM: the design's graceful shutdown,
 * its third layer of defence): per backoff policy, how hard the herd hits the surviving gateways
 * (peak attempted and accepted connects/s, peak sync requests/s), how long until all are back.
 * With `admitPerSec` the gateways shed handshakes beyond that rate with 503, so a herd without
 * jitter shows failed connects and retry storms instead of only queueing.
 */
export const scenario: ScenarioDefinition<Params> = {
  name: 'thundering-herd',
  description: 'A gateway holding half the clients dies or shuts down; compare reconnect storms by backoff policy and shutdown kind.',
  params,
  defaultSets: { backoff: ['none', 'full-jitter'], victim: ['kill', 'term'] },
  serviceOptions: (p) => ({ gateway: { admitHandshakesPerSec: p.admitPerSec } }),
  thresholds: ['recoveredAll == 1', 'lost == 0', 'peakConnections > 0', 'reconnected > 0'],
  finding: herdFinding,
  paramDocs: { clients: 'simulated clients on the gateway that dies', friends: 'friends per client', connectPerSec: 'initial connect rate', recoverSec: 'how long they have to reconnect: from the fault, or from the restart when the survivors cannot hold everyone', workers: 'load worker processes', victim: 'kill (kill -9) or term (SIGTERM, graceful)', restartAfterSec: 'the victim is started again this long after the fault, as a supervisor would (0: only after the window)', admitPerSec: 'handshakes/s each gateway admits, 503 beyond (0 = no limit)', backoff: 'reconnect backoff policy', backoffMinMs: 'first backoff step (ms)', backoffMaxMs: 'backoff cap (ms)' },
  measures: { peakConnectsPerSec: 'peak connect attempts per second (100 ms windows)', peakAcceptedPerSec: 'peak accepted connects per second (100 ms windows)', peakSyncPerSec: 'peak syncs per second', recoverMs: 'time until every client is back (ms)', recoveredAll: '1 when every client came back', failedConnects: 'connect attempts that failed', reconnected: 'successful reconnects', stillOut: 'clients not back when the window ended', survivorRoom: 'clients the surviving gateways can hold under their open-files limits (measured before the fault)', survivorOpenFilesPeak: 'most files a surviving gateway had open during the window', survivorFileLimit: "the surviving gateways' open-files limit", loadWorkersPeakMB: "the load workers' peak resident memory, summed (MB)", restartMs: 'time until the restarted victim answered healthy (ms)' },
  better: { survivorRoom: 'higher', peakConnectsPerSec: 'lower', peakAcceptedPerSec: 'lower', peakSyncPerSec: 'lower', recoverMs: 'lower', failedConnects: 'lower', recoveredAll: 'higher' },
  async run(ctx, p) {
    const users = userIds(ctx.prefix, p.clients);
    const pairs = ringPairs(users, p.friends);
    const convs = pairs.length > 0 ? await ctx.createConversations(pairs) : [];
    const pool = await ctx.startClients(clientsFor(users, convs), {
      workers: p.workers,
      backoff: backoffOf(p),
      recordHistory: false,
    });
    ctx.phase(`connect ${p.clients} clients`);
    await pool.all({ type: 'connect', perSecond: p.connectPerSec / p.workers });
    await ctx.sleep(2000);
    const victim = ctx.gateways[0]!;
    const survivors = async (): Promise<GatewayFiles[]> => {
      const services = readState(ctx.stateDir)?.services ?? [];
      const found = await Promise.all(ctx.gateways.slice(1).map((g) => gatewayFiles({ ...g, pid: services.find((s) => s.name === g.name)?.pid })));
      return found.filter((f): f is GatewayFiles => f !== null);
    };
    const before = await survivors();
    const room = before.length === ctx.gateways.length - 1 ? before.reduce((s, f) => s + clientRoom(f), 0) : null;
    const warning = capacityWarning(before, p.clients, victim.name, p.restartAfterSec);
    if (warning) ctx.info(warning);
    const killedAt = pool.seconds.length;
    const t0 = Date.now();
    if (p.victim === 'kill') {
      ctx.fault(`kill -9 ${victim.name}`);
      await ctx.control.killGateway(victim.name);
    } else {
      ctx.fault(`SIGTERM ${victim.name} (graceful)`);
      await ctx.control.termGateway(victim.name);
    }
    let recoverMs = -1;
    let filesPeak: GatewayFiles | null = null;
    let lastFilesAt = 0;
    let restarted: Promise<void> | null = null;
    const restart: { at: number | null } = { at: null };
    const deadline = () => watchDeadline({ faultAt: t0, recoverSec: p.recoverSec, room, clients: p.clients, restartedAt: restart.at });
    while (Date.now() < deadline()) {
      await ctx.sleep(250);
      if (!restarted && p.restartAfterSec > 0 && Date.now() - t0 >= p.restartAfterSec * 1000) {
        ctx.fault(`restart ${victim.name} (its supervisor)`);
        restarted = ctx.control.startGateway(victim.name);
        // a failure is awaited (and reported) after the window
        restarted.then(() => void (restart.at = Date.now()), () => {});
      }
      if (Date.now() - lastFilesAt >= 1000) {
        lastFilesAt = Date.now();
        for (const f of await survivors()) if (!filesPeak || f.open > filesPeak.open) filesPeak = f;
      }
      const latest = pool.latest();
      // back only once the herd has happened: every socket seen dropped since the fault has
      // reconnected (a loaded load worker may report the old sockets for a while after the fault)
      const since = pool.seconds.slice(killedAt);
      const dropped = since.reduce((s, x) => s + x.totals.disconnects, 0);
      const back = since.reduce((s, x) => s + x.totals.connects, 0);
      if (latest && dropped > 0 && back >= dropped && latest.totals.connected >= p.clients && latest.totals.syncing === 0) {
        recoverMs = Date.now() - t0;
        break;
      }
    }
    const stillOut = Math.max(0, p.clients - (pool.latest()?.totals.connected ?? 0));
    const saturated = filesPeak && filesPeak.open >= filesPeak.limit - 1 ? `; ${filesPeak.name} reached its open-files limit (${filesPeak.open} of ${filesPeak.limit})` : filesPeak ? `; most open files on a survivor: ${filesPeak.open} of ${filesPeak.limit} (${filesPeak.name})` : '';
    const restartMs = restart.at !== null ? restart.at - t0 : -1;
    const restartedIn = restartMs >= 0 ? `; ${victim.name} healthy again ${(restartMs / 1000).toFixed(1)} s after the fault` : '';
    ctx.phase(recoverMs >= 0 ? `all ${p.clients} back after ${(recoverMs / 1000).toFixed(1)} s${saturated}${restartedIn}` : `not all back after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${stillOut} still out${saturated}${restartedIn}`);
    await ctx.sleep(1500);
    const after = pool.seconds.slice(killedAt);
    // per second over 100 ms windows: a 1 s bucket would hide a herd that lands in 50 ms
    const peak = (k: 'connectTimes' | 'acceptTimes' | 'syncTimes') => LoadPool.peakRate(after.flatMap((s) => s[k]), 100);
    const attempts = after.reduce((s, x) => s + x.totals.connectAttempts, 0);
    const connects = after.reduce((s, x) => s + x.totals.connects, 0);
    const workersMB = loadWorkersPeakMB(pool.pids);
    // a restart that failed in the window (its port taken, say) is said in one line and tried once more
    const back = restarted ? await restarted.then(() => true, (err: unknown) => (ctx.info(`${victim.name} could not be restarted: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`), false)) : false;
    if (!back) {
      ctx.fault(`restart ${victim.name}`);
      await ctx.control.startGateway(victim.name);
    }
    return {
      measures: {
        stillOut,
        ...(room !== null ? { survivorRoom: room } : {}),
        ...(filesPeak ? { survivorOpenFilesPeak: filesPeak.open, survivorFileLimit: filesPeak.limit } : {}),
        ...(workersMB !== null ? { loadWorkersPeakMB: workersMB } : {}),
        peakConnectsPerSec: peak('connectTimes'),
        peakAcceptedPerSec: peak('acceptTimes'),
        peakSyncPerSec: peak('syncTimes'),
        ...(restartMs >= 0 ? { restartMs } : {}),
        recoverMs: recoverMs >= 0 ? recoverMs : deadline() - t0,
        recoveredAll: recoverMs >= 0 ? 1 : 0,
        failedConnects: Math.max(0, attempts - connects),
        reconnected: connects,
      },
    };
  },
};

/** The load workers' peak resident memory (VmHWM), summed, in MB; null off Linux. */
function loadWorkersPeakMB(pids: readonly number[]): number | null {
  let kb = 0;
  for (const pid of pids) {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readProc(`/proc/${pid}/status`));
    if (!m) return null;
    kb += Number(m[1]);
  }
  return pids.length > 0 ? Math.round(kb / 1024) : null;
}

function readProc(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

import { MetricNames, signToken } from '../../src/core/index.js';
import { kindOf, PROCESS_KINDS } from '../../src/sizing/index.js';
import { readState } from '../../src/stack/index.js';
import { SEARCH_COMMON_WORD, type LoadPool, type ScenarioContext } from '../../src/scenario/index.js';
import { runStep } from '../capacity/steps.js';
import { chunk, clientsFor, ringPairs, userIds } from '../common.js';
import { cpuNow, cpuOver, duBytes, processesOf, rssNow, sumOf, type Names } from './probe.js';
import { drive, kneeOf } from './read-path.js';

/** Samples, by figure name: each step adds one per repeat. */
export type Samples = Record<string, number[]>;
export const add = (s: Samples, k: string, v: number) => {
  if (Number.isFinite(v)) (s[k] ??= []).push(v);
};

/**
 * Idle burn of each process (µs of CPU per µs of wall time) over `windows` windows of `sec`,
 * subtracted from every window after. With samples, each window adds `idle.<kind>`: µs per
 * second of one process of the kind (the mean of the kind's processes), the model's baseline.
 */
export async function idleRates(ctx: Pick<ScenarioContext, 'sleep'>, n: Names, sec: number, s?: Samples, windows = 1): Promise<Map<string, number>> {
  const total = new Map<string, number>();
  let wall = 0;
  for (let i = 0; i < windows; i++) {
    const { us, wallUs } = await cpuOver(n, () => ctx.sleep(sec * 1000));
    wall += wallUs;
    for (const [k, v] of us) total.set(k, (total.get(k) ?? 0) + v);
    if (s) {
      for (const kind of PROCESS_KINDS) {
        const of = [...us].filter(([k]) => kindOf(k) === kind);
        if (of.length > 0) add(s, `idle.${kind}`, of.reduce((a, [, v]) => a + v, 0) / of.length / (wallUs / 1e6));
      }
    }
  }
  return new Map([...total].map(([k, v]) => [k, v / wall]));
}

/** CPU by process kind (gateway-1 + gateway-2 → gateway). */
const kindSums = (busy: Map<string, number>) => {
  const m = new Map<string, number>();
  for (const [k, v] of busy) m.set(kindOf(k), (m.get(kindOf(k)) ?? 0) + v);
  return m;
};

/** One row of a per-kind fit: the counted columns and every kind's CPU (0 for a kind not running, so the rows stay aligned). */
function addRow(s: Samples, prefix: string, columns: Record<string, number>, busy: Map<string, number>) {
  const byKind = kindSums(busy);
  for (const [c, v] of Object.entries(columns)) (s[`${prefix}.${c}`] ??= []).push(Number.isFinite(v) ? v : 0);
  for (const kind of PROCESS_KINDS) (s[`${prefix}.${kind}`] ??= []).push(byKind.get(kind) ?? 0);
}

const aboveIdle = (us: Map<string, number>, wallUs: number, idle: Map<string, number>) => new Map([...us].map(([k, v]) => [k, Math.max(0, v - (idle.get(k) ?? 0) * wallUs)]));

export interface Counters {
  delivered: number;
  sent: number;
  publishes: number;
  persisted: number;
  indexed: number;
  presence: number;
  reads: number;
  dbWrites: number;
}

export async function counters(ctx: ScenarioContext): Promise<Counters> {
  const [delivered, sent, publishes, persisted, indexed, presence, reads, dbWrites] = await Promise.all(
    [MetricNames.messagesDelivered, MetricNames.messagesSent, MetricNames.redisPublishes, MetricNames.persisted, MetricNames.indexed, MetricNames.presenceNotifications, MetricNames.receiptUpdates, MetricNames.receiptDbWrites].map((m) => ctx.scrape(m)),
  );
  return { delivered: delivered!, sent: sent!, publishes: publishes!, persisted: persisted!, indexed: indexed!, presence: presence!, reads: reads!, dbWrites: dbWrites! };
}
const diff = (a: Counters, b: Counters) => Object.fromEntries(Object.keys(a).map((k) => [k, b[k as keyof Counters] - a[k as keyof Counters]])) as unknown as Counters;

/**
 * Clients in groups of `size` (2: direct pairs, which are friends), or with `friends` each (a
 * ring of direct pairs), connected; the set-up and the connect are rows of the per-kind fits.
 */
export async function groupPool(ctx: ScenarioContext, s: Samples, o: { tag: string; clients: number; size: number; friends?: number; workers: number; idle: Map<string, number>; autoRead?: boolean; heldSec?: number; heldClients?: number }) {
  const users = userIds(`${ctx.prefix}${o.tag}`, Math.ceil(o.clients / o.size) * o.size);
  const n = processesOf(ctx.stateDir);
  // the conversations' set-up (rows and members in Cassandra and Redis): a row of the per-conversation, per-member fit
  const lists = o.friends ? ringPairs(users, o.friends) : chunk(users, o.size);
  let groups: Awaited<ReturnType<ScenarioContext['createConversations']>> = [];
  const setup = await cpuOver(n, async () => {
    groups = await ctx.createConversations(lists);
    await ctx.sleep(1000);
  });
  addRow(s, 'setup', { conversations: lists.length, members: lists.reduce((a, l) => a + l.length, 0) }, aboveIdle(setup.us, setup.wallUs, o.idle));
  const pool = await ctx.startClients(clientsFor(users, groups), { workers: o.workers, recordHistory: false, autoRead: o.autoRead ?? false, searchBodies: true });
  const c0 = await counters(ctx);
  const rss0 = rssNow(n);
  ctx.phase(`connect ${users.length} clients (${o.tag})`);
  const { us, wallUs } = await cpuOver(n, async () => {
    await pool.all({ type: 'connect', perSecond: 400 / pool.workerCount });
    await ctx.sleep(1500);
  });
  const busy = aboveIdle(us, wallUs, o.idle);
  const c1 = await counters(ctx);
  add(s, 'gatewayUsPerHandshake', sumOf(busy, 'gateway') / users.length);
  // per connect and per presence notification, fitted over every connect and flap window (a connect burst alone mixes the two)
  addRow(s, 'conn', { connects: users.length, flaps: 0, syncs: 0, notifications: c1.presence - c0.presence }, busy);
  // held, nothing sent: what connected clients cost by the second; the windows after count their work above this
  // the connect burst's aftermath (presence fan-out, a collection) first, then the held window, steady
  await ctx.sleep(3000);
  ctx.phase(`${users.length} clients held, nothing sent (${o.heldSec ?? 6} s)`);
  const held = await cpuOver(n, () => ctx.sleep((o.heldSec ?? 6) * 1000));
  const heldBusy = aboveIdle(held.us, held.wallUs, o.idle);
  if (o.heldClients) {
    const perClientSec = (prefix: string) => sumOf(heldBusy, prefix) / (o.heldClients! * (held.wallUs / 1e6));
    add(s, 'gatewayUsPerClientSecond', perClientSec('gateway'));
    add(s, 'redisUsPerClientSecond', perClientSec('redis'));
    add(s, 'presenceUsPerClientSecond', perClientSec('presence'));
  }
  const baseline = new Map([...o.idle].map(([k, v]) => [k, v + (heldBusy.get(k) ?? 0) / held.wallUs]));
  return { pool, users, groups, rss0, n, baseline };
}

/**
 * Status flaps in steady state: `waves` times, a share of the clients drop and come back (each
 * reconnect syncs its conversations, each status change tells the friends online). Each wave
 * is a row of the per-connect, per-sync, per-notification fit.
 */
export async function flapWindows(ctx: ScenarioContext, s: Samples, pool: LoadPool, users: string[], o: { waves: number; share: number; conversationsPerUser: number; idle: Map<string, number> }) {
  const n = processesOf(ctx.stateDir);
  for (let w = 0; w < o.waves; w++) {
    const wave = users.filter((_, i) => (i + w) % Math.round(1 / o.share) === 0);
    ctx.phase(`flap ${w + 1}/${o.waves}: ${wave.length} clients drop and reconnect`);
    const c0 = await counters(ctx);
    const { us, wallUs } = await cpuOver(n, async () => {
      await pool.toUsers(wave, (u) => ({ type: 'disconnect', users: u }));
      await ctx.sleep(1000);
      await pool.toUsers(wave, (u) => ({ type: 'reconnect', users: u }));
      await ctx.sleep(2500);
    });
    const c = diff(c0, await counters(ctx));
    addRow(s, 'conn', { connects: 0, flaps: wave.length, syncs: wave.length * o.conversationsPerUser, notifications: c.presence }, aboveIdle(us, wallUs, o.idle));
  }
}

/**
 * A steady rate for `windowSec`, `repeats` times: CPU above idle of each process per unit of
 * work it did in the window (frames, sends, publishes, persisted, indexed messages, reads).
 */
export async function steadyWindows(ctx: ScenarioContext, s: Samples, pool: LoadPool, o: { tag: string; messagesPerSec: number; windowSec: number; repeats: number; idle: Map<string, number> }) {
  const n = processesOf(ctx.stateDir);
  await pool.all({ type: 'rate', perSecond: o.messagesPerSec / pool.workerCount });
  await ctx.sleep(1500);
  for (let i = 0; i < o.repeats; i++) {
    ctx.phase(`${o.tag}: ${o.messagesPerSec} msg/s, window ${i + 1}/${o.repeats}`);
    const c0 = await counters(ctx);
    const { us, wallUs } = await cpuOver(n, () => ctx.sleep(o.windowSec * 1000));
    const c = diff(c0, await counters(ctx));
    const busy = aboveIdle(us, wallUs, o.idle);
    add(s, `${o.tag}.gatewayUs`, sumOf(busy, 'gateway'));
    add(s, `${o.tag}.frames`, c.delivered);
    add(s, `${o.tag}.sent`, c.sent);
    add(s, `${o.tag}.publishes`, c.publishes);
    add(s, `${o.tag}.redisUs`, busy.get('redis') ?? 0);
    if (c.persisted > 0) {
      add(s, 'kafkaUsPerMessage', (busy.get('kafka') ?? 0) / c.persisted);
      add(s, 'persistUsPerMessage', (busy.get('persist-worker') ?? 0) / c.persisted);
      add(s, 'cassandraUsPerWrite', (busy.get('cassandra') ?? 0) / c.persisted);
    }
    if (c.indexed > 0) {
      add(s, 'indexerUsPerMessage', (busy.get('indexer') ?? 0) / c.indexed);
      add(s, 'searchUsPerMessage', (busy.get('search') ?? 0) / c.indexed);
    }
    if (c.reads > 50) {
      add(s, 'receiptsUsPerRead', (busy.get('receipts-worker') ?? 0) / c.reads);
      add(s, 'dbWritesPerReadWriteBack', c.dbWrites / c.reads);
    }
  }
  await pool.all({ type: 'rate', perSecond: 0 });
  await ctx.sleep(1500);
}

/** Memory per idle connection at `count` connections, and Redis memory per subscription. */
export async function idleMemory(ctx: ScenarioContext, s: Samples, count: number, redisInfo: () => Promise<{ usedMemory: number; channels: number }>) {
  const n = processesOf(ctx.stateDir);
  const users = userIds(`${ctx.prefix}idle`, count);
  const pool = await ctx.startClients(clientsFor(users, []), { workers: 2, recordHistory: false });
  const r0 = rssNow(n);
  const i0 = await redisInfo();
  ctx.phase(`connect ${count} idle clients`);
  await pool.all({ type: 'connect', perSecond: 1000 / pool.workerCount });
  await ctx.sleep(2000);
  const connected = pool.latest()?.totals.connected ?? 0;
  const r1 = rssNow(n);
  const i1 = await redisInfo();
  if (connected > 0) {
    add(s, 'gatewayBytesPerIdleConnection', (sumOf(r1, 'gateway') - sumOf(r0, 'gateway')) / connected);
    if (i1.channels > i0.channels) add(s, 'redisBytesPerSubscription', (i1.usedMemory - i0.usedMemory) / (i1.channels - i0.channels));
  }
  add(s, 'idleConnected', connected);
  await pool.stop();
}

/** History pages and search queries at fixed rates with autocannon, then each path's knee. */
export async function readPath(ctx: ScenarioContext, s: Samples, o: { users: string[]; groups: Array<{ conversationId: string }>; historyRate: number; searchRate: number; seconds: number; idle: Map<string, number> }) {
  const state = readState(ctx.stateDir)!;
  const url = ctx.gateways[0]!.url;
  const token = signToken(o.users[0]!, state.secret!);
  // the first user's conversations: a page each
  const mine = o.groups.slice(0, 1).map((g) => `/v1/conversations/${g.conversationId}/messages?limit=50`);
  const search = [`/v1/search?q=${SEARCH_COMMON_WORD}&limit=20`];
  const n = processesOf(ctx.stateDir);
  for (const [what, paths, rate] of [['history', mine, o.historyRate], ['search', search, o.searchRate]] as const) {
    for (let i = 0; i < 2; i++) {
      ctx.phase(`${what}: ${rate} requests/s (autocannon), ${i + 1}/2`);
      let r: Awaited<ReturnType<typeof drive>> | undefined;
      const { us, wallUs } = await cpuOver(n, async () => {
        r = await drive(url, token, [...paths], rate, o.seconds);
      });
      const busy = aboveIdle(us, wallUs, o.idle);
      if (!r || r.ok <= 0) continue;
      if (what === 'history') {
        add(s, 'gatewayUsPerHistoryPage', (busy.get('gateway-1') ?? 0) / r.ok);
        add(s, 'cassandraUsPerHistoryPage', (busy.get('cassandra') ?? 0) / r.ok);
      } else {
        add(s, 'gatewayUsPerSearch', (busy.get('gateway-1') ?? 0) / r.ok);
        add(s, 'searchUsPerQuery', (busy.get('search') ?? 0) / r.ok);
      }
    }
    ctx.phase(`${what}: knee (p99 < 50 ms)`);
    add(s, `${what}KneePerSec`, await kneeOf((rate) => drive(url, token, [...paths], rate, 3), Math.max(1, rate / 4), 50, 6));
  }
}

/** Frames/s the given pool's gateways deliver at p99 < 50 ms with nothing lost, stepping up by doubling. */
export async function gatewayKnee(ctx: ScenarioContext, pool: LoadPool, users: number, size: number, start: number, steps: number, onStep?: (frames: number, p99: number, lost: number) => void): Promise<number> {
  const load = { recipientsPerMessage: size - 1, prepare: async (f: number) => ({ messagesPerSec: f / (size - 1) }), pools: () => [pool], held: () => users };
  let best = 0;
  for (let f = start, i = 0; i < steps; i++, f *= 2) {
    ctx.phase(`knee: ${f} frames/s`);
    const out = await runStep(ctx, load, f, { warmupSec: 1, measureSec: 3, graceSec: 3, onWindow: async () => {} });
    onStep?.(f, out.latency.p99, out.lost);
    if (out.latency.p99 >= 50 || out.lost > 0) break;
    best = Math.max(best, out.deliveredFramesPerSec);
  }
  return best;
}

export { cpuNow, duBytes };

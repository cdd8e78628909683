import fs from 'node:fs';
import { z } from 'zod';
import { createRng } from '../../src/core/index.js';
import { checkDeliveries, type ScenarioContext, type ScenarioDefinition } from '../../src/scenario/index.js';
import { readState } from '../../src/stack/index.js';
import { consistencyLevelSchema } from '../../src/store/index.js';
import { chunk, msSummary as summary, userIds } from '../common.js';
import { faults, STRUCK_CASSANDRA_NODE } from '../faults.js';
import { storageFinding } from './finding.js';
import { judge, latenciesOf, type FaultWindow } from './history.js';
import { Recorder, runMembers, storeOps } from './ops.js';
import { repairFull, resurrection } from './resurrection.js';

/** The node faults a run can press (the registry's entries), and the zombie demonstration. */
const NODE_FAULTS = ['kill-cassandra-node', 'isolate-cassandra-node', 'pause-cassandra-node'] as const;
const FAULT_CHOICES = [...NODE_FAULTS, 'resurrection'] as const;

const params = z.object({
  /** Every operation's level: writes, reads and deletes alike. */
  consistency: consistencyLevelSchema.default('QUORUM'),
  fault: z.enum(FAULT_CHOICES).default('isolate-cassandra-node'),
  conversations: z.coerce.number().int().min(1).max(200).default(6),
  writers: z.coerce.number().int().min(1).max(64).default(6),
  readers: z.coerce.number().int().min(0).max(64).default(3),
  deleters: z.coerce.number().int().min(0).max(64).default(1),
  thinkMs: z.coerce.number().int().min(0).max(10_000).default(20),
  /** The driver's request timeout for the members' operations: a request whose coordinator is cut off or paused waits this long, then is unknown. */
  timeoutMs: z.coerce.number().int().min(500).max(60_000).default(6000),
  beforeSec: z.coerce.number().min(0).max(600).default(3),
  faultSec: z.coerce.number().min(1).max(600).default(10),
  afterSec: z.coerce.number().min(0).max(600).default(8),
  /** resurrection: messages deleted while the replica is away. */
  zombieMessages: z.coerce.number().int().min(1).max(1000).default(12),
  /** resurrection: the table's gc_grace_seconds for the run. */
  graceSec: z.coerce.number().int().min(1).max(600).default(5),
  /** resurrection: reads of each conversation at the level once the replica is back. */
  zombieReads: z.coerce.number().int().min(1).max(1000).default(10),
  /** resurrection: repair after the tombstones were purged (the zombie), or while the replica returns, inside gc_grace_seconds. */
  zombieRepair: z.enum(['after-grace', 'within-grace']).default('after-grace'),
});
type Params = z.infer<typeof params>;

const LOAD_MEASURES: Record<string, string> = {
  writes: 'writes invoked (one message each, straight to Cassandra at the level)',
  writesOk: 'writes acknowledged',
  writesFailed: 'writes refused (Unavailable: nothing written)',
  writesUnknown: 'writes timed out (unknown: maybe written)',
  faultWrites: 'writes invoked while the node was down, cut off or paused',
  faultWritesOk: 'of those, acknowledged',
  faultWritesFailed: 'of those, refused',
  faultWritesUnknown: 'of those, unknown (timed out)',
  faultWritesOkWhileAway: 'of the acknowledged ones, those acknowledged before the repair began (the rest waited for the node)',
  writeAvailability: '% of the writes invoked during the fault that were acknowledged (refused and timed-out ones counted apart)',
  faultReads: 'reads invoked during the fault',
  readAvailability: '% of the reads invoked during the fault that answered',
  readsOk: 'reads that answered',
  deletesOk: 'deletes acknowledged',
  deletesUnknown: 'deletes timed out',
  ackedLost: 'acknowledged writes, never deleted, missing from the final read at ALL after repair',
  failedStored: 'refused writes the final read holds',
  unknownStored: 'timed-out writes the final read holds (either outcome is allowed)',
  staleReads: 'reads that began after a write was acknowledged and missed it',
  staleMisses: '(read, message) pairs behind staleReads',
  staleReadShare: '% of the reads that answered which were stale',
  staleReadsAfterHeal: 'stale reads that began after the node was back',
  deletedSeen: '(read, message) pairs: a read that began after a delete was acknowledged returned the message',
  zombies: 'messages whose delete was acknowledged that the final read at ALL holds (resurrection: after repair)',
  'writeP50Ms@fault': 'write latency during the fault, p50 (acknowledged writes)',
  'writeP99Ms@fault': 'write latency during the fault, p99',
  'writeP99Ms@before': 'write latency before the fault, p99',
  'readP99Ms@fault': 'read latency during the fault, p99 (reads that answered)',
  ackedKept: 'acknowledged writes of which no delete was invoked (what the final read must hold)',
  repairMs: 'nodetool repair -full after the fault, ms',
};

const ZOMBIE_MEASURES: Record<string, string> = {
  zombieDeletes: 'resurrection: deletes acknowledged while the replica was away',
  zombieReads: 'resurrection: reads at the level, after the replica came back, that returned a deleted message',
  zombieReadsDone: 'resurrection: reads at the level after the replica came back',
  zombieReadShare: 'resurrection: % of those reads that returned a deleted message',
  zombiesBeforeRepair: 'resurrection: deleted messages seen again before repair',
  zombieRepairMs: 'resurrection: nodetool repair -full, ms',
};

/**
 * One Cassandra node of three fails and returns while members write, read and delete at one
 * consistency level; the history (every operation invoked → ok / fail / unknown) is judged
 * against a read at ALL after repair. `fault=resurrection` shows the zombie instead.
 */
export const scenario: ScenarioDefinition<Params> = {
  name: 'storage-consistency',
  description: 'One Cassandra node of three fails and returns while members write, read and delete at ONE, QUORUM or ALL: writes acknowledged and refused, acknowledged writes lost, stale reads and deleted messages seen again, judged from a Jepsen-style history; fault=resurrection shows a deleted message coming back.',
  params,
  defaultSets: { consistency: ['one', 'quorum', 'all'] },
  thresholds: (p) =>
    p.fault === 'resurrection'
      ? ['zombieDeletes > 0', 'zombieReadsDone > 0', 'acked > 0', 'delivered > 0']
      : [
          'ackedLost == 0',
          'failedStored == 0',
          'faultWrites > 0',
          'writesOk > 0',
          'readsOk > 0',
          // ONE is allowed stale reads and deleted messages seen: that is the level's trade
          ...(p.consistency === 'ONE' ? [] : ['staleReads == 0', 'deletedSeen == 0']),
          ...(p.consistency === 'ALL' ? [] : ['writeAvailability > 90']),
          'zombies == 0',
          // the delivery summary read for the store: writes acknowledged, and held by the final read
          'acked > 0',
          'delivered > 0',
        ],
  finding: storageFinding,
  paramDocs: {
    consistency: 'the level of every write, read and delete (ONE, QUORUM, ALL; any case)',
    fault: `what happens to ${STRUCK_CASSANDRA_NODE} while the members work; resurrection: the zombie demonstration`,
    conversations: 'conversations written and read',
    writers: 'members writing (one operation at a time each)',
    readers: 'members reading whole conversations',
    deleters: 'members deleting messages they had acknowledged',
    thinkMs: 'pause after each operation',
    timeoutMs: "the driver's request timeout for the members' operations (the services use 12,000): a request whose coordinator is cut off or paused waits this long, then counts as unknown; above Cassandra's own timeouts (writes 2 s, reads 5 s) so that their answers arrive first",
    beforeSec: 'operations before the fault',
    faultSec: 'how long the node stays down, cut off or paused (a killed node then takes its restart on top)',
    afterSec: 'operations after the node is back, before repair',
    zombieMessages: 'resurrection: messages deleted while the replica is away',
    graceSec: "resurrection: the messages table's gc_grace_seconds for the run (restored after)",
    zombieReads: 'resurrection: reads of each conversation at the level after the replica is back',
    zombieRepair: 'resurrection: after-grace: the replica returns after the others purged the tombstones, then repair; within-grace: it returns and repair runs inside gc_grace_seconds, then every replica compacts',
  },
  choiceDocs: {
    fault: {
      ...Object.fromEntries(NODE_FAULTS.map((f) => [f, faults.docs('chat')[f] ?? f])),
      resurrection: `cut ${STRUCK_CASSANDRA_NODE} off, delete with hinted handoff off, let gc_grace_seconds pass and compact the others, heal: the deleted messages return`,
    },
  },
  cannotRun: (p, stack) => faults.unmet(p.fault === 'resurrection' ? 'isolate-cassandra-node' : p.fault, stack),
  measures: { ...LOAD_MEASURES, ...ZOMBIE_MEASURES },
  better: { writeAvailability: 'higher', readAvailability: 'higher', writesOk: 'higher', readsOk: 'higher' },
  async run(ctx, p) {
    const keyspace = readState(ctx.stateDir)?.keyspace ?? 'chatlab';
    const users = userIds(ctx.prefix, p.conversations * 3);
    const convs = (await ctx.createConversations(chunk(users, 3))).map((c) => ({ conversationId: c.conversationId, members: c.members }));
    const fromMs = Date.now() - 60_000;
    if (p.fault === 'resurrection') {
      const zombie = await resurrection(ctx, { keyspace, level: p.consistency, conversations: convs, messages: p.zombieMessages, graceSec: p.graceSec, reads: p.zombieReads, fromMs, repair: p.zombieRepair, timeoutMs: p.timeoutMs });
      const { written, held, ...measures } = zombie;
      const checker = { ...checkDeliveries({ sends: [], deliveries: [] }), sent: written, acked: written, expectedDeliveries: written, delivered: held, lost: written - held };
      return { measures, checker };
    }
    return loadRun(ctx, p, keyspace, convs, fromMs);
  },
};

async function loadRun(ctx: ScenarioContext, p: Params, keyspace: string, convs: Array<{ conversationId: string; members: string[] }>, fromMs: number) {
  const ops = storeOps(ctx.endpoints.cassandra, keyspace, p.consistency, fromMs, p.timeoutMs);
  const final = storeOps(ctx.endpoints.cassandra, keyspace, 'ALL', fromMs);
  const rec = new Recorder();
  let stop = false;
  const window: FaultWindow = { strikeAt: Infinity, repairAt: Infinity, healAt: Infinity };
  try {
    ctx.phase(`members: ${p.writers} writing, ${p.readers} reading, ${p.deleters} deleting at ${p.consistency} on ${convs.length} conversations`);
    const members = runMembers(ops, rec, { conversations: convs, writers: p.writers, readers: p.readers, deleters: p.deleters, thinkMs: p.thinkMs }, createRng(ctx.seed).fork('storage-consistency'), () => stop, (ms) => ctx.sleep(ms));
    try {
      await ctx.sleep(p.beforeSec * 1000);
      // the fault counts from when it is in effect (the node dead, paused or cut off)
      const repair = await faults.inject(ctx, p.fault);
      window.strikeAt = rec.now();
      await ctx.sleep(p.faultSec * 1000);
      window.repairAt = rec.now();
      await repair();
      window.healAt = rec.now();
      ctx.phase(`${STRUCK_CASSANDRA_NODE} back; members go on for ${p.afterSec} s`);
      await ctx.sleep(p.afterSec * 1000);
    } finally {
      stop = true;
      await members;
    }
    ctx.phase('nodetool repair -full, then the final read at ALL');
    const started = performance.now();
    await repairFull(ctx, keyspace);
    const repairMs = Math.round(performance.now() - started);
    const held = new Map<string, Set<string>>();
    for (const c of convs) held.set(c.conversationId, new Set((await readAtAll(ctx, final, c.conversationId)).ids));
    const v = judge(rec.ops, window, held);
    for (const line of v.examples) ctx.info(line);
    // the whole history, to dig into one run (as the delivery checker's)
    if (process.env['CHATLAB_DEBUG_HISTORY']) fs.writeFileSync(process.env['CHATLAB_DEBUG_HISTORY'], JSON.stringify({ window, ops: rec.ops }));
    const { examples: _, ...counts } = v;
    // the engine's delivery summary, read as: writes sent, acknowledged, and held by the final read
    const checker = { ...checkDeliveries({ sends: [], deliveries: [] }), sent: v.writes, acked: v.writesOk, expectedDeliveries: v.ackedKept, delivered: v.ackedKept - v.ackedLost, lost: v.ackedLost };
    const writeLatency = summary(rec.ops.filter((o) => o.kind === 'write' && o.outcome === 'ok').map((o) => o.completedAt - o.invokedAt));
    const p99 = (ms: number[]) => summary(ms)?.p99;
    const measures: Record<string, number> = { ...counts, repairMs };
    const put = (key: string, value: number | undefined) => {
      if (value !== undefined) measures[key] = value;
    };
    put('writeP50Ms@fault', summary(latenciesOf(rec.ops, 'write', 'fault', window))?.p50);
    put('writeP99Ms@fault', p99(latenciesOf(rec.ops, 'write', 'fault', window)));
    put('writeP99Ms@before', p99(latenciesOf(rec.ops, 'write', 'before', window)));
    put('readP99Ms@fault', p99(latenciesOf(rec.ops, 'read', 'fault', window)));
    ctx.phase(`judged: ${v.writes} writes (${v.faultWritesOk} ok / ${v.faultWritesFailed} refused / ${v.faultWritesUnknown} unknown during the fault), ackedLost ${v.ackedLost}, stale reads ${v.staleReads}, deleted seen ${v.deletedSeen}`);
    return { measures, checker, ...(writeLatency ? { latency: writeLatency } : {}) };
  } finally {
    await Promise.all([ops.close(), final.close()]);
  }
}

/** The final read at ALL: retried while the returned node is still being marked up. */
async function readAtAll(ctx: ScenarioContext, final: ReturnType<typeof storeOps>, conversationId: string) {
  for (let i = 1; ; i++) {
    try {
      return await final.read(conversationId);
    } catch (err) {
      if (i >= 10) throw err;
      await ctx.sleep(1000);
    }
  }
}


/**
 * The zombie: a message deleted while one replica is away comes back when that replica does,
 * once the other replicas have dropped the tombstone. Hinted handoff is off for the run
 * (`nodetool disablehandoff` on the replicas that stay), the table's `gc_grace_seconds` is a few
 * seconds, and after it the replicas that took the delete flush and compact (`nodetool flush`,
 * `nodetool compact`), which purges the tombstone. The replica that was away still holds the
 * message, and nothing says it was deleted: reads at the variant's level, then a full repair
 * and a read at ALL show whether it returns and whether repair spreads it. With repair inside
 * gc_grace_seconds instead, the tombstone reaches the returned replica before it is purged.
 */
import { fmtNum, SnowflakeGenerator, type Message } from '../../src/core/index.js';
import type { ScenarioContext } from '../../src/scenario/index.js';
import { createCassandraClient, type ConsistencyLevel } from '../../src/store/index.js';
import { STRUCK_CASSANDRA_NODE } from '../faults.js';
import { storeOps } from './ops.js';

export interface ZombieOptions {
  keyspace: string;
  level: ConsistencyLevel;
  conversations: Array<{ conversationId: string; members: string[] }>;
  /** Messages written at ALL and then deleted while the replica is cut off. */
  messages: number;
  /** The table's gc_grace_seconds for the run. */
  graceSec: number;
  /** Reads of each conversation at the level once the replica is back, before repair. */
  reads: number;
  fromMs: number;
  /** The driver's request timeout for the deletes and reads. */
  timeoutMs: number;
  /**
   * after-grace: the replica returns after the others purged the tombstone, then repair (the
   * zombie); within-grace: it returns and repair runs before gc_grace_seconds passes, then every
   * replica compacts (what a repair interval shorter than gc_grace_seconds buys).
   */
  repair: 'after-grace' | 'within-grace';
}

export interface ZombieMeasures {
  /** Messages written at ALL before the replica was cut off, and how many a read at ALL then held. */
  written: number;
  held: number;
  zombieDeletes: number;
  zombieReads: number;
  zombieReadShare: number;
  zombieReadsDone: number;
  zombiesBeforeRepair: number;
  zombies: number;
  zombieRepairMs: number;
}

const STAYING = ['cassandra-1', 'cassandra-2'];

export async function resurrection(ctx: ScenarioContext, o: ZombieOptions): Promise<ZombieMeasures> {
  const admin = createCassandraClient({ ...ctx.endpoints.cassandra }, 'ALL');
  const table = `${o.keyspace}.messages`;
  const grace = await admin.execute('SELECT gc_grace_seconds FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?', [o.keyspace, 'messages']);
  const graceBefore = Number(grace.first()?.['gc_grace_seconds'] ?? 864000);
  const all = storeOps(ctx.endpoints.cassandra, o.keyspace, 'ALL', o.fromMs);
  const atLevel = storeOps(ctx.endpoints.cassandra, o.keyspace, o.level, o.fromMs, o.timeoutMs);
  let isolated = false;
  try {
    ctx.phase(`zombie: gc_grace_seconds ${graceBefore} -> ${o.graceSec} on ${table}; hinted handoff off on ${STAYING.join(', ')}`);
    await admin.execute(`ALTER TABLE ${table} WITH gc_grace_seconds = ${o.graceSec}`);
    await Promise.all(STAYING.map((id) => ctx.nodes.nodetool(id, ['disablehandoff'])));
    const ids = new SnowflakeGenerator({ workerId: 1001 });
    const written: Message[] = [];
    for (let i = 0; i < o.messages; i++) {
      const c = o.conversations[i % o.conversations.length]!;
      const messageId = await ids.next();
      const m: Message = { conversationId: c.conversationId, messageId, senderId: c.members[0]!, clientMsgId: `zombie-${i}`, body: `zombie ${messageId}`, sentAt: Date.now() };
      await all.write(m); // every replica holds it, the one about to be cut off included
      written.push(m);
    }
    let held = 0;
    for (const conv of new Set(written.map((m) => m.conversationId))) held += (await all.read(conv)).ids.filter((id) => written.some((m) => m.messageId === id)).length;

    ctx.fault(`isolate ${STRUCK_CASSANDRA_NODE}; delete ${o.messages} messages at ${o.level} while it is away`);
    await ctx.nodes.isolate(STRUCK_CASSANDRA_NODE);
    isolated = true;
    const deleted: Message[] = [];
    for (const m of written) {
      const ok = await atLevel.delete(m.conversationId, m.messageId).then(() => true, () => false);
      if (ok) deleted.push(m);
    }
    const deletedAt = performance.now();
    if (o.repair === 'within-grace') {
      ctx.fault(`heal ${STRUCK_CASSANDRA_NODE}, then repair inside gc_grace_seconds`);
      await ctx.nodes.heal(STRUCK_CASSANDRA_NODE);
      isolated = false;
      await ctx.sleep(3000); // the peers mark it up
      await repairFull(ctx, o.keyspace);
    }
    await ctx.sleep(Math.max(0, deletedAt + (o.graceSec + 1) * 1000 - performance.now()));
    const compacting = o.repair === 'within-grace' ? [...STAYING, STRUCK_CASSANDRA_NODE] : STAYING;
    ctx.phase(`zombie: gc_grace_seconds passed; flush and compact ${table} on ${compacting.join(', ')} (the tombstones are purged)`);
    await Promise.all(compacting.map((id) => ctx.nodes.nodetool(id, ['flush', o.keyspace, 'messages'])));
    await Promise.all(compacting.map((id) => ctx.nodes.nodetool(id, ['compact', o.keyspace, 'messages'])));
    if (o.repair === 'after-grace') {
      ctx.fault(`heal ${STRUCK_CASSANDRA_NODE}: it comes back holding the deleted messages`);
      await ctx.nodes.heal(STRUCK_CASSANDRA_NODE);
      isolated = false;
      await ctx.sleep(3000); // the peers mark it up, the driver reconnects (1 s policy)
    }

    const deletedIds = new Set(deleted.map((m) => m.messageId));
    const convs = [...new Set(deleted.map((m) => m.conversationId))];
    let zombieReads = 0;
    let readsDone = 0;
    const seenBack = new Set<string>();
    for (let r = 0; r < o.reads; r++) {
      for (const conv of convs) {
        const page = await atLevel.read(conv).catch(() => null);
        if (!page) continue;
        readsDone++;
        const back = page.ids.filter((id) => deletedIds.has(id));
        if (back.length > 0) zombieReads++;
        for (const id of back) seenBack.add(id);
      }
    }
    ctx.info(`zombie: ${zombieReads} of ${readsDone} reads at ${o.level} returned a deleted message (${seenBack.size} of ${deleted.length} distinct)`);

    ctx.phase('zombie: nodetool repair -full, then a read at ALL');
    const started = performance.now();
    await repairFull(ctx, o.keyspace);
    const repairMs = performance.now() - started;
    let zombies = 0;
    for (const conv of convs) {
      const page = await all.read(conv);
      zombies += page.ids.filter((id) => deletedIds.has(id)).length;
    }
    ctx.info(`zombie: after repair ${zombies} of ${deleted.length} deleted messages are back on every replica`);
    return {
      written: written.length,
      held,
      zombieDeletes: deleted.length,
      zombieReads,
      zombieReadsDone: readsDone,
      zombieReadShare: readsDone === 0 ? 0 : (100 * zombieReads) / readsDone,
      zombiesBeforeRepair: seenBack.size,
      zombies,
      zombieRepairMs: Math.round(repairMs),
    };
  } finally {
    if (isolated) await ctx.nodes.heal(STRUCK_CASSANDRA_NODE).catch(() => {});
    await Promise.all(STAYING.map((id) => ctx.nodes.nodetool(id, ['enablehandoff']).catch((e: unknown) => ctx.info(`enablehandoff on ${id}: ${String(e)}`))));
    await admin.execute(`ALTER TABLE ${table} WITH gc_grace_seconds = ${graceBefore}`).catch((e: unknown) => ctx.info(`could not restore gc_grace_seconds ${fmtNum(graceBefore)}: ${String(e)}`));
    await Promise.all([all.close(), atLevel.close(), admin.shutdown().catch(() => {})]);
  }
}

/**
 * `nodetool repair -full <keyspace> messages` on the first node (with RF 3 on three nodes it holds
 * every range); retried while the peers have not yet marked the returned node up.
 */
export async function repairFull(ctx: ScenarioContext, keyspace: string, attempts = 8): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await ctx.nodes.nodetool('cassandra-1', ['repair', '-full', keyspace, 'messages']);
      return;
    } catch (err) {
      if (i >= attempts) throw err;
      ctx.info(`repair attempt ${i} failed (${String(err).slice(0, 160)}); again in 3 s`);
      await ctx.sleep(3000);
    }
  }
}

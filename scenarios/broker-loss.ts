import { z } from 'zod';
import type { ScenarioDefinition } from '../src/scenario/index.js';
import { readState } from '../src/stack/index.js';
import type { StoreSettings } from '../src/store/index.js';
import { STORE_GROUPS, indexedOnceSettled, waitFullIsr, waitGroupsCaughtUp, watchElection } from './broker-loss/cluster.js';
import { brokerLossFinding } from './broker-loss/finding.js';
import { ackLatency, ackedBetween, ackedLoss, electedAt, produceResumedAt } from './broker-loss/measure.js';
import { chunk, clientsFor, userIds } from './common.js';
import { faults } from './faults.js';

const params = z.object({
  clients: z.coerce.number().int().min(4).max(20_000).default(24),
  groupSize: z.coerce.number().int().min(3).max(1000).default(4),
  ratePerSec: z.coerce.number().min(1).default(50),
  warmupSec: z.coerce.number().min(1).default(3),
  /** How long both followers are paused before the leader dies: what the leader alone holds at acks=1. */
  lagMs: z.coerce.number().int().min(0).max(60_000).default(2000),
  /** How long messages keep flowing once the old leader is back. */
  afterSec: z.coerce.number().min(0).default(2),
  electionTimeoutSec: z.coerce.number().min(5).default(60),
  workers: z.coerce.number().int().min(1).max(16).default(2),
});
type Params = z.infer<typeof params>;

/** The guarantee this scenario holds a run to: acks from every in-sync replica, at least two of them. */
export function safeSetting(p: StoreSettings): boolean {
  return (p.acks ?? 'all') === 'all' && (p.minInsyncReplicas ?? 2) >= 2;
}

/**
 * The broker leading chat.messages dies under load (kill -9), after its followers fell behind
 * (both paused for `lagMs`): what acks=1 and acks=all with min.insync.replicas 1 or 2 lose of
 * what the senders were told is durable, how long produce stops, and what senders wait.
 *
 * Why the followers are paused first: with three brokers on one machine the followers fetch
 * within milliseconds, so a leader killed at a random moment holds almost nothing they lack and
 * acks=1 loses nothing measurable. A follower that lags (a GC pause, a slow disk, a busy
 * machine) is the classic case: at acks=1 the leader acks alone, the controller elects a
 * follower that is still in the ISR (a pause of a few seconds is far below
 * replica.lag.time.max.ms, 30 s), and the dead leader's tail is truncated when it comes back.
 * At acks=all the leader cannot ack until every in-sync follower has the message, so nothing
 * acked is lost; the sends wait, fail with the connection, and are sent again to the new leader.
 * It also catches a producer that reuses a failed request's sequence numbers for other records:
 * a follower that fetched the failed request just before the pause becomes leader and takes the
 * later request for its duplicate, acked and never written (src/gateway/producer.ts renews its
 * producer id after a failure for this reason).
 *
 * The election time is mostly the controller noticing the death: a killed broker sends no more
 * heartbeats and is fenced when its session expires (broker.session.timeout.ms, 9 s by default);
 * only then does a follower in the ISR take over. The senders wait longer still: kafkajs keeps
 * retrying the dead broker until its metadata names the new leader.
 *
 * Kafka 4.1 turns on Eligible Leader Replicas (KIP-966, `eligible.leader.replicas.version=1`)
 * on a new cluster, as this one is. ELR keeps min.insync.replicas strict: the high watermark
 * does not advance while the ISR is below it, so a replica dropped from the ISR then still has
 * everything committed and stays eligible (the controller elects from the ISR, then the ELR,
 * then the last known leader), which makes a leaderless partition recoverable without an
 * unclean election (`unclean.leader.election.enable` stays false here). It does not save acks=1:
 * its ack never waited for the high watermark. Nor does it change this fault: the ISR never
 * shrinks in a pause this short, so min.insync.replicas 1 and 2 behave the same here; 1 would
 * let acks=all ack on the leader alone only once the followers had left the ISR.
 */
export const scenario: ScenarioDefinition<Params> = {
  name: 'broker-loss',
  description: "The leader of chat.messages is killed under load after its followers fell behind: acked messages lost (not in Cassandra or the search index), the election time and the senders' errors and p99, by acks and min.insync.replicas (loss thresholds apply to acks=all with min ISR ≥ 2 only; needs the cluster topology).",
  params,
  defaultSets: { acks: ['1', 'all'], minInsyncReplicas: ['1', '2'] },
  // only acks=all with at least two in-sync replicas promises that an ack survives the leader
  // (the engine hands the variant's store settings in with its parameters)
  thresholds: (p) => [...(safeSetting(p as Params & StoreSettings) ? ['ackedLost == 0', 'lost == 0'] : []), 'peakConnections > 0', 'acked > 0', 'delivered > 0'],
  finding: brokerLossFinding,
  paramDocs: {
    clients: 'simulated clients',
    groupSize: 'members per conversation',
    ratePerSec: 'messages per second in total',
    warmupSec: 'messages flow this long before the fault',
    lagMs: 'both followers paused (SIGSTOP) this long before the leader is killed (0: killed with the followers in step)',
    afterSec: 'messages keep flowing this long after the old leader is back',
    electionTimeoutSec: 'how long to wait for a new leader in the metadata',
    workers: 'load worker processes',
  },
  measures: {
    ackedNotStored: 'acked messages Cassandra does not hold (read at ALL after the fault)',
    ackedNotIndexed: 'acked messages the search index does not hold',
    ackedLost: 'acked messages missing from Cassandra or the search index',
    ackedDuringLag: 'acks the senders got while the followers were paused (held by the leader alone at acks=1)',
    electionMs: 'from the kill until the metadata names another broker leader of chat.messages',
    produceResumedMs: 'from the kill until the first ack of a message sent after it',
    sendP99Ms: 'send → ack p99 of the messages meant to go from the pause until a second after produce resumed',
    sendsNeverAcked: 'messages meant to go in that window that were never acked',
    sendErrors: 'error frames the senders got (sends refused `unavailable`: not durable; sent again)',
  },
  cannotRun: (_p, stack) =>
    stack.topology === 'cluster' ? faults.unmet('kill-kafka-leader', stack) : 'broker-loss kills one broker of three: it needs the cluster topology (chatlab up --topology cluster)',
  async run(ctx, p) {
    const nodes = readState(ctx.stateDir)?.nodes?.kafka ?? [];
    const addr = (n: { address: string; port: number }) => `${n.address}:${n.port}`;
    // each variant starts whole: a broker the last one restarted has caught up
    const start = await waitFullIsr(nodes.map(addr), nodes.length, 120_000);
    if (start.isr.length < nodes.length) ctx.info(`chat.messages has ${start.isr.length} of ${nodes.length} replicas in sync after 120 s; going on`);

    const users = userIds(ctx.prefix, p.clients);
    const convs = await ctx.createConversations(chunk(users, p.groupSize));
    const pool = await ctx.startClients(clientsFor(users, convs), { workers: p.workers });
    ctx.phase(`connect ${p.clients} clients`);
    await pool.all({ type: 'connect', perSecond: 500 });
    ctx.phase(`flow ${p.ratePerSec} msg/s`);
    await pool.all({ type: 'rate', perSecond: p.ratePerSec / p.workers });
    await ctx.sleep(p.warmupSec * 1000);

    const leaderId = await ctx.nodes.kafkaLeader();
    const leader = nodes.find((n) => n.id === leaderId)!;
    const followers = nodes.filter((n) => n.id !== leaderId);
    const lagAt = Date.now();
    if (p.lagMs > 0) {
      ctx.fault(`pause the followers ${followers.map((f) => f.id).join(' and ')} (SIGSTOP): for ${p.lagMs} ms only ${leader.id} gets what is produced`);
      for (const f of followers) ctx.nodes.pause(f.id);
      await ctx.sleep(p.lagMs);
    }
    const killAt = Date.now();
    ctx.fault(`kill -9 ${leader.id}, the leader of chat.messages`);
    await ctx.nodes.kill(leader.id);
    const goneAt = Date.now();
    if (p.lagMs > 0) {
      for (const f of followers) ctx.nodes.resume(f.id);
      ctx.fault(`resume ${followers.map((f) => f.id).join(' and ')} (SIGCONT)`);
    }
    const samples = await watchElection(followers.map(addr), leader.brokerId!, p.electionTimeoutSec * 1000);
    const elected = electedAt(samples, leader.brokerId!);
    const electionMs = elected ? elected.at - killAt : p.electionTimeoutSec * 1000;
    ctx.info(elected ? `broker ${elected.leader} leads chat.messages ${electionMs} ms after the kill (ISR ${elected.isr.join(',')})` : `no other broker led chat.messages within ${p.electionTimeoutSec} s`);
    // the old leader starts again while messages flow (it truncates the tail the new leader lacks)
    ctx.fault(`restart ${leader.id}`);
    const back = ctx.nodes.restart(leader.id).then(() => undefined, (err: unknown) => err);
    await ctx.sleep(p.afterSec * 1000);
    ctx.phase('quiesce: stop sending, let every send be acked');
    await ctx.quiesce(pool);
    const failed = await back;
    if (failed) throw failed;
    // what the stores lack once the workers have read the whole topic was lost, not late
    const behind = await waitGroupsCaughtUp(nodes.map(addr), STORE_GROUPS, 120_000);
    if (behind.length > 0) ctx.info(`consumer group(s) ${behind.join(', ')} still behind the end of chat.messages after 120 s: what they lack counts as lost`);
    const { checker, collected, stored } = await ctx.check(pool);
    const sends = collected.flatMap((w) => w.sends);
    const acked = [...new Set(sends.flatMap((s) => (s.id ? [s.id] : [])))];
    const storedSet = new Set(stored);
    const indexed = await indexedOnceSettled(ctx.endpoints.search.url, acked, new Set(acked.filter((id) => storedSet.has(id))), 30_000);
    const loss = ackedLoss(acked, storedSet, indexed);
    if (loss.ackedLost > 0) ctx.info(`acked but lost: ${loss.ackedLost} (first ids ${loss.examples.join(', ')})`);
    const resumedAt = produceResumedAt(sends, goneAt);
    const window = ackLatency(sends, lagAt, (resumedAt ?? goneAt) + 1000);
    ctx.phase(`checked: ${loss.ackedLost} acked messages lost, new leader after ${electionMs} ms`);
    return {
      checker,
      measures: {
        ackedNotStored: loss.ackedNotStored,
        ackedNotIndexed: loss.ackedNotIndexed,
        ackedLost: loss.ackedLost,
        ackedDuringLag: ackedBetween(sends, lagAt, killAt),
        electionMs,
        produceResumedMs: Math.round((resumedAt ?? Date.now()) - killAt),
        sendP99Ms: Math.round(window.p99),
        sendsNeverAcked: window.neverAcked,
        sendErrors: pool.seconds.reduce((s, x) => s + x.totals.errors, 0),
      },
    };
  },
};

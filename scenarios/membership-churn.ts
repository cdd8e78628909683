import { z } from 'zod';
import { createRng } from '../src/core/index.js';
import type { ScenarioDefinition } from '../src/scenario/index.js';
import { backoffOf, backoffParams, clientsFor, msSummary, userIds } from './common.js';
import { faultParams, faults, inject } from './faults.js';
import { membershipFinding } from './findings/membership.js';
import { COST_KINDS, probeCosts, type ProbeGroup } from './membership-churn/cost.js';
import { Hunter, type HuntGroups } from './membership-churn/hunt.js';
import { effectiveMs, leakChances, nextChange, routedBy } from './membership-churn/plan.js';
import { readState } from '../src/stack/index.js';
import { LEAK_MEASURES } from '../src/scenario/index.js';

const params = z.object({
  users: z.coerce.number().int().min(12).max(5000).default(30),
  /** Groups whose members churn; their sizes walk between 3 and threshold + 3. */
  groups: z.coerce.number().int().min(1).max(500).default(4),
  /** The gateways' groupThreshold for the run: above it a conversation is read from its group channel. */
  threshold: z.coerce.number().int().min(6).max(1000).default(8),
  ratePerSec: z.coerce.number().min(1).default(30),
  /** Pause between two member changes (each waits for the one before). */
  churnEveryMs: z.coerce.number().int().min(0).default(100),
  durationSec: z.coerce.number().min(2).default(10),
  /** Changes per kind in the cost probe (below, above and across the threshold); even, so each group ends as it began. */
  probeChanges: z.coerce.number().int().min(2).max(200).default(10),
  /** Hunt the races while the churn runs (search after a join, a read across a removal, a reconnect across a removal, a large group created with sends at once). */
  hunt: z.enum(['on', 'off']).default('on'),
  /** Large groups the hunt creates at most (each adds a conversation to threshold + 2 users). */
  huntCreates: z.coerce.number().int().min(0).max(100).default(6),
  ...faultParams,
  workers: z.coerce.number().int().min(1).max(16).default(2),
  ...backoffParams,
});
type Params = z.infer<typeof params>;

/**
 * Members join and leave groups while messages flow and a fault strikes; some groups cross the
 * routing threshold up and down. Judged by membership over time: nothing published while a
 * user was a member may be missing (lost), nothing published while they were not may reach
 * them (leaks), nothing twice. First, with nothing else happening, what one change costs below,
 * above and across the threshold.
 */
export const scenario: ScenarioDefinition<Params> = {
  name: 'membership-churn',
  description: 'Members join and leave groups (some crossing the routing threshold) while messages flow and a fault strikes: nothing lost, no leak, no duplicate; and what a member change costs for inbox vs group routing.',
  params,
  thresholds: (p) => ['lost == 0', 'leaks == 0', 'duplicates == 0', 'memberChanges > 0', 'crossings > 0', 'leakChances > 0', ...(p.hunt === 'on' ? ['searchProbes > 0', 'receiptProbes > 0'] : []), 'peakConnections > 0', 'acked > 0', 'delivered > 0'],
  finding: membershipFinding,
  // a change shares the per-user creation bucket (1/s, bursts of 20): lifted, so the churn measures the system, not the limit
  serviceOptions: (p) => ({ gateway: { groupThreshold: p.threshold, routing: 'hybrid', createRatePerSec: 1000, createRateBurst: 1000 } }),
  paramDocs: {
    users: 'simulated clients (every one in at least one group)',
    groups: 'groups whose members churn (sizes walk between 3 and threshold + 3)',
    threshold: "the gateways' groupThreshold for the run (hybrid routing)",
    ratePerSec: 'messages per second in total (open model)',
    churnEveryMs: 'pause between two member changes',
    durationSec: 'how long messages flow and members churn',
    probeChanges: 'changes per kind in the cost probe (below, above, across the threshold)',
    hunt: 'on: make the races happen while the churn runs (search and history right after a join, a read right after a removal, a reconnect raced against a removal, large groups created with sends at once from other gateways)',
    huntCreates: 'large groups the hunt creates at most',
    fault: 'what goes wrong half-way (and is repaired)',
    skewMs: 'clock-skew: ms one gateway\'s clock is stepped (negative: back)',
    workers: 'load worker processes',
    backoff: 'reconnect backoff policy',
    backoffMinMs: 'first backoff step (ms)',
    backoffMaxMs: 'backoff cap (ms)',
  },
  choiceDocs: { fault: faults.docs('chat') },
  cannotRun: (p, stack) => faults.unmet(p.fault, stack),
  measures: {
    memberChanges: 'member changes made while messages flowed',
    crossings: 'of those, changes that moved a group across the threshold',
    leakChances: '(message × user) pairs where the user was a member of that group before or after, but not at the message',
    changeRetries: 'change requests tried again (429, 503, a gateway down)',
    searchProbes: 'hunt: searches (and history reads) by a user right after joining, with a message from before the join indexed',
    searchRefused: "hunt: the joiner's search refused (its gateway had not heard of the join yet) and asked again",
    receiptProbes: 'hunt: reads by a member right after another was removed (whose receipts were primed before)',
    reconnectProbes: "hunt: removals raced against the removed member's reconnect (group channel)",
    createProbes: 'hunt: groups above the threshold created on one gateway with sends at once from the others',
    [LEAK_MEASURES.live]: 'leaks pushed live (checker)',
    [LEAK_MEASURES.sync]: 'leaks in sync pages (checker)',
    [LEAK_MEASURES.history]: 'leaks in history pages (checker: the hunt reads history right after a join)',
    [LEAK_MEASURES.search]: 'leaks in search hits (checker: the hunt searches right after a join)',
    [LEAK_MEASURES.receipt]: 'receipts whose watermark the recipient was not a member at (checker)',
    [LEAK_MEASURES.member]: 'member frames to someone a member neither before nor after the change (checker)',
    'redisOpsPerChange@inbox': 'Redis commands per change below the threshold (cost probe)',
    'redisOpsPerChange@group': 'Redis commands per change above the threshold',
    'redisOpsPerChange@crossing': 'Redis commands per change across the threshold',
    'subChangesPerGateway@inbox': 'group channels subscribed/unsubscribed per gateway per change, below the threshold',
    'subChangesPerGateway@group': 'the same above the threshold',
    'subChangesPerGateway@crossing': 'the same across the threshold',
    'effectiveP50Ms@inbox': 'request → the last member (any gateway) got the member frame, p50, below the threshold',
    'effectiveP99Ms@inbox': 'the same, p99',
    'effectiveP50Ms@group': 'request → last member frame, p50, above the threshold',
    'effectiveP99Ms@group': 'the same, p99',
    'effectiveP50Ms@crossing': 'request → last member frame, p50, across the threshold',
    'effectiveP99Ms@crossing': 'the same, p99',
    'effectiveP99Ms@churn': 'request → last member frame, p99, during the churn (fault included; changes someone missed are left out)',
  },
  async run(ctx, p) {
    const rng = createRng(ctx.seed).fork('membership-churn');
    const T = p.threshold;
    const users = userIds(ctx.prefix, p.users);
    if (users.length < T + 4) throw new Error(`users: at least threshold + 4 (${T + 4}) so that a group can cross it`);
    const take = (n: number, from: number) => Array.from({ length: n }, (_, i) => users[(from + i) % users.length]!);
    // the probe's groups: below (T - 2), above (T + 3) and at the threshold (T, plus an outsider)
    const probeLists = [take(T - 2, 0), take(T + 3, T - 2), take(T, 2 * T + 1)];
    // churn groups start on either side of the threshold, spread over the users so that everyone is in one
    const churnLists = Array.from({ length: p.groups }, (_, g) => take(g % 2 === 0 ? T - 1 : T + 1, Math.floor((g * users.length) / p.groups)));
    // the hunt's groups: search (4 founders and an outsider), receipts (4), reconnect (above the threshold)
    const huntLists = p.hunt === 'on' ? [take(4, 0), take(4, 5), take(T + 2, 10)] : [];
    const convs = await ctx.createConversations([...probeLists, ...churnLists, ...huntLists]);
    const probes: ProbeGroup[] = COST_KINDS.map((kind, i) => ({ kind, conversationId: convs[i]!.conversationId, members: convs[i]!.members, outsider: users.find((u) => !convs[i]!.members.includes(u))! }));
    const churn = convs.slice(COST_KINDS.length, COST_KINDS.length + churnLists.length).map((c) => ({ conversationId: c.conversationId, members: [...c.members] }));
    const hunted = convs.slice(COST_KINDS.length + churnLists.length);
    const huntGroups: HuntGroups | null =
      hunted.length === 3
        ? {
            search: { conversationId: hunted[0]!.conversationId, members: hunted[0]!.members, outsider: users[4]! },
            receipts: { conversationId: hunted[1]!.conversationId, members: hunted[1]!.members, reader: hunted[1]!.members[1]!, leaver: hunted[1]!.members[2]! },
            reconnect: { conversationId: hunted[2]!.conversationId, members: hunted[2]!.members, mover: hunted[2]!.members.at(-1)! },
          }
        : null;

    // search bodies: every message carries the word the hunt searches for
    const pool = await ctx.startClients(clientsFor(users, convs), { workers: p.workers, backoff: backoffOf(p), searchBodies: huntGroups !== null });
    ctx.phase(`connect ${users.length} clients`);
    await pool.all({ type: 'connect', perSecond: 500 });
    const costs = await probeCosts(ctx, probes, p.probeChanges + (p.probeChanges % 2));

    ctx.phase(`flow ${p.ratePerSec} msg/s; ${churn.length} groups churn (threshold ${T}) for ${p.durationSec} s; fault ${p.fault} half-way`);
    await pool.all({ type: 'rate', perSecond: p.ratePerSec / p.workers });
    const churnRequests: Array<{ messageId: string; requestedAt: number; audience: string[] }> = [];
    let changes = 0;
    let crossings = 0;
    let retries = 0;
    let stop = false;
    let churnFailed: unknown;
    const churning = (async () => {
      while (!stop && churnFailed === undefined) {
        const g = churn[Math.floor(rng.next() * churn.length)]!;
        const next = nextChange(g.members, users, { min: 3, max: T + 3 }, () => rng.next());
        const before = g.members;
        const done = await ctx.changeMembers(g.conversationId, next.by, next.change, [next.userId]);
        g.members = next.change === 'joined' ? [...before, next.userId] : before.filter((m) => m !== next.userId);
        changes++;
        retries += done.attempts - 1;
        if (routedBy(before.length, T) !== routedBy(g.members.length, T)) crossings++;
        for (const c of done.changes) churnRequests.push({ messageId: c.messageId, requestedAt: done.requestedAt, audience: [...new Set([...before, ...g.members])] });
        if (p.churnEveryMs > 0) await ctx.sleep(p.churnEveryMs);
      }
    })().catch((err: unknown) => {
      churnFailed = err;
    });
    const hunter = huntGroups ? new Hunter(ctx, pool, readState(ctx.stateDir)!.secret, huntGroups, { threshold: T, users, rng: rng.fork('hunt'), maxCreates: p.huntCreates }) : null;
    const hunting = (hunter?.run(() => stop || churnFailed !== undefined) ?? Promise.resolve()).catch((err: unknown) => {
      churnFailed = err;
    });
    const half = (p.durationSec * 1000) / 2;
    try {
      await ctx.sleep(half);
      const repair = await inject(ctx, p.fault, () => pool.all({ type: 'drop', fraction: 0.5 }), p.skewMs);
      await ctx.sleep(half);
      await repair();
    } finally {
      stop = true;
      await churning;
      await hunting;
    }
    if (churnFailed !== undefined) throw churnFailed;
    ctx.phase(`quiesce: ${changes} member changes (${crossings} across the threshold); stop sending, let everyone reconnect and sync`);
    await ctx.quiesce(pool);
    const { checker, collected, membership } = await ctx.check(pool, undefined, { observations: hunter?.tally.observations ?? [] });
    const frames = collected.flatMap((w) => w.members ?? []);
    const acked = collected.flatMap((w) => w.sends).flatMap((s) => (s.id ? [{ conversationId: s.c, messageId: s.id, senderId: s.s }] : []));
    const measures: Record<string, number> = { memberChanges: changes, crossings, changeRetries: retries, leakChances: membership ? leakChances(membership, acked) : 0 };
    if (hunter) {
      const { observations: _, ...counts } = hunter.tally;
      Object.assign(measures, counts);
    }
    for (const kind of COST_KINDS) {
      const c = costs[kind];
      measures[`redisOpsPerChange@${kind}`] = c.redisOpsPerChange;
      measures[`subChangesPerGateway@${kind}`] = c.subChangesPerGateway;
      const times = msSummary(effectiveMs(c.requests, frames));
      if (times) {
        measures[`effectiveP50Ms@${kind}`] = times.p50;
        measures[`effectiveP99Ms@${kind}`] = times.p99;
      }
    }
    const during = msSummary(effectiveMs(churnRequests, frames));
    if (during) measures['effectiveP99Ms@churn'] = during.p99;
    const byChannel = Object.values(LEAK_MEASURES).map((m) => `${m} ${checker[m]}`).join(', ');
    ctx.phase(`checked: lost ${checker.lost}, leaks ${checker.leaks} (${byChannel}), duplicates ${checker.duplicates}`);
    return { checker, measures };
  },
};

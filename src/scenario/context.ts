import { writeFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { ChatlabError, ErrorCodes, createLatencyHistogram, errorMessage, mapLimited, signToken, sumMetricText, type LatencyHistogram } from '../core/index.js';
import type { BackoffOptions, Transport } from '../client/index.js';
import type { ComponentName } from '../infra/index.js';
import { ConversationStore, MessageStore, createCassandraClient, crossCheckConsistency, readMembershipChanges, redisKeys, type CassandraClient, type Conversation } from '../store/index.js';
import { healNode, isolateNode, kafkaLeader, killNode, nodetool, pauseNode, restartNode, resumeNode } from '../stack/index.js';
import { pauseComponent, readState, restartComponent, resumeComponent, startComponent, startService, stopComponent, skewServiceClock, stopService, type StackState } from '../stack/index.js';
import { checkDeliveries, type DeletionRecord, type History, type MembershipHistory, type ObservationRecord } from './checker/index.js';
import { requestCreate, requestMemberChange, type MemberChange, type MemberChangeDone } from './members.js';
import type { WorkerCollected } from './load/protocol.js';
import { LoadPool, type PoolSecond } from './pool.js';
import type { SeriesPoint, TimelineEvent } from './result.js';
import type { ClientSpec, ScenarioContext } from './types.js';

export interface ContextHooks {
  onTimeline(e: TimelineEvent): void;
  onSecond(p: SeriesPoint, s: PoolSecond): void;
}

/**
 * Load clients keep one token for the whole run and present it again on every reconnect: it
 * must outlive any run (soaks included), not just the default day.
 */
const LOAD_TOKEN_TTL_SEC = 30 * 24 * 3600;

const DEFAULT_BACKOFF: BackoffOptions = { policy: 'full-jitter', minMs: 100, maxMs: 5000 };

/** The engine's side of a variant: stack access, load pools, faults, the checker. */
export class VariantContext implements ScenarioContext {
  readonly gateways: Array<{ name: string; url: string }>;
  readonly endpoints: StackState['endpoints'] & object;
  readonly pools: LoadPool[] = [];
  readonly latency: LatencyHistogram = createLatencyHistogram();
  private readonly t0 = Date.now();
  private readonly members = new Map<string, Conversation>();
  /** Member changes this run made, by conversation (the checker's membership over time). */
  private readonly changed = new Map<string, MemberChange[]>();
  private nextGateway = 0;
  private redis: Redis | null = null;
  private cassandra: CassandraClient | null = null;
  private readonly keyspace: string;
  private readonly secret: string;
  private readonly topology: StackState['topology'];

  constructor(
    readonly runId: string,
    readonly seed: number,
    readonly stateDir: string,
    readonly prefix: string,
    private readonly hooks: ContextHooks,
  ) {
    const state = readState(stateDir)!;
    this.endpoints = state.endpoints!;
    this.keyspace = state.keyspace ?? 'chatlab';
    this.secret = state.secret;
    this.topology = state.topology;
    this.gateways = state.services.filter((s) => s.kind === 'gateway').map((s) => ({ name: s.name, url: s.url }));
  }

  private at(): number {
    return Date.now() - this.t0;
  }

  phase(label: string): void {
    this.hooks.onTimeline({ atMs: this.at(), kind: 'phase', label });
  }

  fault(label: string): void {
    this.hooks.onTimeline({ atMs: this.at(), kind: 'fault', label });
  }

  info(label: string): void {
    this.hooks.onTimeline({ atMs: this.at(), kind: 'info', label });
  }

  sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
  }

  private clients() {
    this.redis ??= new Redis(this.endpoints.redis.url);
    this.cassandra ??= createCassandraClient({ ...this.endpoints.cassandra });
    return { redis: this.redis, cassandra: this.cassandra };
  }

  async createConversations(memberLists: string[][]): Promise<Conversation[]> {
    const { redis, cassandra } = this.clients();
    const store = new ConversationStore(redis, cassandra, this.keyspace, redisKeys(''), this.secret);
    return mapLimited(memberLists, 16, async (members, i) => {
      const c = await store.create(members, members.length > 2 ? `group ${i}` : undefined);
      this.members.set(c.conversationId, c);
      return c;
    });
  }

  async createConversationVia(gatewayIndex: number, by: string, members: string[]): Promise<Conversation> {
    const token = signToken(by, this.secret, { ttlSec: LOAD_TOKEN_TTL_SEC });
    const { conversationId, requestedAt } = await requestCreate(this.gateways.map((g) => g.url), gatewayIndex, token, members, members.length > 2 ? 'hunt' : undefined);
    const c: Conversation = { conversationId, kind: members.length > 2 ? 'group' : 'direct', name: null, members, createdAt: requestedAt, version: '0' };
    this.members.set(conversationId, c);
    return c;
  }

  async changeMembers(conversationId: string, by: string, change: 'joined' | 'left', userIds: string[]): Promise<MemberChangeDone> {
    const token = signToken(by, this.secret, { ttlSec: LOAD_TOKEN_TTL_SEC });
    const done = await requestMemberChange(this.gateways.map((g) => g.url), this.nextGateway++, token, conversationId, change, userIds);
    this.changed.set(conversationId, [...(this.changed.get(conversationId) ?? []), ...done.changes]);
    // the clients concerned learn it as their app would (their socket may be down and miss the frame)
    await Promise.all(
      done.changes.flatMap((c) => this.pools.filter((p) => p.holds(c.userId)).map((p) => p.to(c.userId, { type: 'member', userId: c.userId, conversationId, change: c.change, messageId: c.messageId }))),
    );
    return done;
  }

  /**
   * Founders and every change of the conversations this run changed: what the stack recorded
   * (Cassandra) joined with what the answers said (a change answered but not recorded is named).
   */
  private async membershipHistory(): Promise<MembershipHistory | undefined> {
    if (this.changed.size === 0) return undefined;
    const { cassandra } = this.clients();
    const out: MembershipHistory = {};
    for (const [conv, answered] of this.changed) {
      const recorded = await readMembershipChanges(cassandra, this.keyspace, conv);
      const ids = new Set(recorded.map((c) => c.messageId));
      const missing = answered.filter((c) => !ids.has(c.messageId));
      if (missing.length > 0) this.info(`${conv}: ${missing.length} member change(s) answered but not in Cassandra (first ${missing[0]!.messageId}, ${missing[0]!.userId} ${missing[0]!.change})`);
      out[conv] = { founders: this.members.get(conv)?.members ?? [], changes: [...recorded, ...missing] };
    }
    return out;
  }

  async startClients(clients: ClientSpec[], o: Partial<{ workers: number; backoff: BackoffOptions; recordHistory: boolean; bodyBytes: number; autoRead: boolean; searchBodies: boolean; localStoreDir: string; transport: Transport }> = {}): Promise<LoadPool> {
    const pool = await LoadPool.start({
      gateways: this.gateways.map((g) => g.url),
      clients: clients.map((c, i) => ({ ...c, token: signToken(c.userId, this.secret, { ttlSec: LOAD_TOKEN_TTL_SEC }), gatewayIndex: i % Math.max(1, this.gateways.length) })),
      workers: o.workers ?? 2,
      backoff: o.backoff ?? DEFAULT_BACKOFF,
      seed: this.seed,
      recordHistory: o.recordHistory ?? true,
      bodyBytes: o.bodyBytes ?? 150,
      autoRead: o.autoRead,
      searchBodies: o.searchBodies,
      localStoreDir: o.localStoreDir,
      transport: o.transport,
    });
    pool.onSecond = (s) => {
      this.latency.merge(s.latency);
      const sum = s.latency.count > 0 ? s.latency.summary() : null;
      this.hooks.onSecond(
        {
          tMs: this.at(),
          connections: s.totals.connected,
          sendsPerSec: s.totals.sends,
          deliveriesPerSec: s.totals.deliveries,
          reconnectsPerSec: s.totals.reconnects,
          connectAttemptsPerSec: s.totals.connectAttempts,
          connectsPerSec: s.totals.connects,
          p50: sum?.p50 ?? null,
          p99: sum?.p99 ?? null,
        },
        s,
      );
    };
    this.pools.push(pool);
    return pool;
  }

  async quiesce(pool: LoadPool, timeoutMs = 60_000): Promise<boolean> {
    await pool.all({ type: 'rate', perSecond: 0 }); // also ends a closed-model loop
    const deadline = Date.now() + timeoutMs;
    let calm = 0;
    while (Date.now() < deadline) {
      await this.sleep(1000);
      const t = pool.latest()?.totals;
      if (t && t.waiting === 0 && t.pendingAcks === 0 && t.syncing === 0) {
        if (++calm >= 2) return true;
      } else calm = 0;
    }
    this.info('quiesce timed out: some clients still reconnecting, syncing or waiting for acks');
    return false;
  }

  async check(pool: LoadPool, collected?: WorkerCollected[], extra: { observations?: readonly ObservationRecord[]; deletions?: readonly DeletionRecord[] } = {}) {
    const got = collected ?? (await pool.collect());
    const sends = got.flatMap((w) => w.sends);
    const acked = new Set(sends.filter((s) => s.id).map((s) => s.id!));
    const convs = [...new Set(sends.map((s) => s.c))];
    const stored = await this.storedIds(convs, acked);
    const membership = await this.membershipHistory();
    const history: History = {
      ...(membership ? { membership } : {}),
      sends: sends.map((s) => ({
        senderId: s.s,
        conversationId: s.c,
        clientMsgId: s.m,
        messageId: s.id,
        intendedAt: s.i,
        sentAt: s.t,
        ackedAt: s.a,
        expectedRecipients: (this.members.get(s.c)?.members ?? []).filter((m) => m !== s.s),
      })),
      deliveries: got.flatMap((w) => w.deliveries).map((d) => ({
        recipientId: d.r, conversationId: d.c, messageId: d.id, clientMsgId: d.m, receivedAt: d.t, raw: d.raw === 1, viaSync: d.sync === 1,
      })),
      stored: stored.ids.map((messageId) => ({ messageId })),
      historyVisibleAt: stored.at,
      observations: [...observationsOf(got), ...(extra.observations ?? [])],
      ...(extra.deletions ? { deletions: extra.deletions } : {}),
    };
    // A debugging aid: the whole record the verdict came from, to re-judge or dig into offline.
    const dump = process.env['CHATLAB_DEBUG_HISTORY'];
    if (dump) writeFileSync(dump, JSON.stringify(history));
    return { checker: checkDeliveries(history, { lateAfterMs: 5000 }), collected: got, membership, stored: stored.ids };
  }

  /**
   * Reads what Cassandra holds for these conversations, waiting briefly for persistence to catch
   * up. On a cluster it reads at ALL (crossCheckConsistency): the faults are healed by now, and a
   * read a node refuses because it still sees a restarted peer down is tried again.
   */
  private async storedIds(conversations: string[], acked: Set<string>): Promise<{ ids: string[]; at: number }> {
    const { cassandra } = this.clients();
    const store = new MessageStore(cassandra, this.keyspace, { readConsistency: crossCheckConsistency(this.topology) });
    let ids: string[] = [];
    let failure: unknown;
    for (let attempt = 0, refused = 0; attempt < 20 && refused < 60; ) {
      ids = [];
      try {
        for (const conv of conversations) {
          let after = '0';
          for (;;) {
            const page = await store.after(conv, after, 500, { fromMs: this.members.get(conv)?.createdAt });
            ids.push(...page.messages.map((m) => m.messageId));
            if (!page.hasMore || page.messages.length === 0) break;
            after = page.messages.at(-1)!.messageId;
          }
        }
        failure = undefined;
      } catch (err) {
        failure = err;
        refused++;
        await this.sleep(1000);
        continue;
      }
      const have = new Set(ids);
      if ([...acked].every((id) => have.has(id))) break;
      attempt++;
      await this.sleep(500);
    }
    if (failure) throw new ChatlabError(ErrorCodes.SCENARIO, `the acked-vs-stored cross-check could not read Cassandra${this.topology === 'cluster' ? ' at ALL' : ''}: ${errorMessage(failure)}`);
    return { ids, at: Date.now() };
  }

  async scrape(metric: string, labels: Record<string, string> = {}, kind?: string): Promise<number> {
    const state = readState(this.stateDir);
    let sum = 0;
    for (const svc of state?.services ?? []) {
      if (kind && svc.kind !== kind) continue;
      try {
        const text = await (await fetch(`${svc.url}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
        sum += sumMetricText(text, metric, labels);
      } catch {
        // a killed service counts nothing
      }
    }
    return sum;
  }

  readonly control = {
    killGateway: (name: string) => stopService(this.stateDir, name, 'kill'),
    termGateway: (name: string) => stopService(this.stateDir, name, 'term'),
    startGateway: (name: string) => startService(this.stateDir, name),
    stopInfra: (component: ComponentName) => stopComponent(this.stateDir, component),
    startInfra: (component: ComponentName) => startComponent(this.stateDir, component),
    restartInfra: (component: ComponentName) => restartComponent(this.stateDir, component),
    pauseInfra: (component: ComponentName) => pauseComponent(this.stateDir, component),
    resumeInfra: (component: ComponentName) => resumeComponent(this.stateDir, component),
    stopService: (name: string) => stopService(this.stateDir, name, 'term'),
    startService: (name: string) => startService(this.stateDir, name),
    skewClock: async (name: string, offsetMs: number) => skewServiceClock(this.stateDir, name, offsetMs),
  };

  /** Nodes this variant has struck and not yet repaired: close() repairs them (Ctrl-C, a failed run). */
  private readonly struck = new Map<string, 'killed' | 'paused' | 'isolated'>();

  readonly nodes = {
    kill: async (id: string) => {
      this.struck.set(id, 'killed');
      await killNode(this.stateDir, id);
    },
    restart: async (id: string) => {
      await restartNode(this.stateDir, id);
      this.struck.delete(id);
    },
    pause: (id: string) => {
      this.struck.set(id, 'paused');
      pauseNode(this.stateDir, id);
    },
    resume: (id: string) => {
      resumeNode(this.stateDir, id);
      this.struck.delete(id);
    },
    isolate: async (id: string) => {
      this.struck.set(id, 'isolated');
      await isolateNode(this.stateDir, id);
    },
    heal: async (id: string) => {
      await healNode(this.stateDir, id);
      this.struck.delete(id);
    },
    kafkaLeader: () => kafkaLeader(this.stateDir),
    nodetool: (id: string, args: readonly string[]) => nodetool(this.stateDir, id, args),
  };

  /** Puts every struck node back (restarted, resumed, healed), whatever stopped the variant. */
  private async repairNodes(): Promise<void> {
    for (const [id, how] of [...this.struck]) {
      try {
        if (how === 'killed') await this.nodes.restart(id);
        else if (how === 'paused') this.nodes.resume(id);
        else await this.nodes.heal(id);
        this.info(`${id} repaired at the end of the variant (${how})`);
      } catch (err) {
        this.info(`could not repair ${id} (${how}): ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  async close(): Promise<void> {
    await this.repairNodes();
    await Promise.allSettled(this.pools.map((p) => p.stop()));
    this.redis?.disconnect();
    await this.cassandra?.shutdown().catch(() => {});
  }
}

/** What the clients got besides messages, for the leak check: receipts (at their watermark) and member frames. */
function observationsOf(collected: readonly WorkerCollected[]): ObservationRecord[] {
  return collected.flatMap((w) => [
    ...w.receipts.map((r): ObservationRecord => ({ channel: 'receipt', recipientId: r.to, conversationId: r.conv, messageId: r.id, receivedAt: r.at })),
    ...(w.members ?? []).map((m): ObservationRecord => ({ channel: 'member', recipientId: m.r, conversationId: m.c, messageId: m.id, receivedAt: m.t })),
  ]);
}

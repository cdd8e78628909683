import { signToken, type Rng } from '../../src/core/index.js';
import type { LoadPool, ObservationRecord, ScenarioContext } from '../../src/scenario/index.js';
import { SEARCH_COMMON_WORD } from '../../src/scenario/index.js';

/** A watermark above any id: the gateway clamps it to the conversation's last entry (message or change). */
const READ_ALL = '9223372036854775807';

/** The groups the hunt works on, apart from the churning ones (their members are fixed by the hunt alone). */
export interface HuntGroups {
  /** Founders; `outsider` joins, is searched as at once, and leaves again. */
  search: { conversationId: string; members: string[]; outsider: string };
  /** Founders; `reader` reads, `leaver` is removed between two reads and comes back. */
  receipts: { conversationId: string; members: string[]; reader: string; leaver: string };
  /** Above the threshold (group channel); `mover` reconnects while it is removed, and comes back. */
  reconnect: { conversationId: string; members: string[]; mover: string };
}

export interface HuntTally {
  /** Searches (and history reads) by a user right after joining, with a message from before the join already indexed. */
  searchProbes: number;
  /** The joiner's search or history was refused (its gateway had not heard of the join yet) and asked again. */
  searchRefused: number;
  /** Reads by another member right after a removal, with the removed member's receipts primed before it. */
  receiptProbes: number;
  /** Removals raced against the removed member's reconnect. */
  reconnectProbes: number;
  /** Groups above the threshold created on one gateway with sends at once from members on others. */
  createProbes: number;
  /** What the hunted users got over HTTP (history pages, search hits): judged for leaks by the checker. */
  observations: ObservationRecord[];
}

/**
 * Makes the membership races happen instead of waiting for them, one round of each after
 * another until stopped: search and history right after joining (with a message from before
 * the join indexed), a read right after a removal (with the removed member's receipts primed),
 * a reconnect raced against a removal, and a large group created on one gateway with sends at
 * once from the others. It only makes things happen; the checker judges what reached whom.
 */
export class Hunter {
  readonly tally: HuntTally = { searchProbes: 0, searchRefused: 0, receiptProbes: 0, reconnectProbes: 0, createProbes: 0, observations: [] };
  private readonly tokens = new Map<string, string>();
  private turn = 0;

  constructor(
    private readonly ctx: ScenarioContext,
    private readonly pool: LoadPool,
    private readonly secret: string,
    private readonly groups: HuntGroups,
    private readonly o: { threshold: number; users: readonly string[]; rng: Rng; maxCreates: number },
  ) {}

  /** Rounds until `stopped()`; each probe's membership is put back before the next. */
  async run(stopped: () => boolean): Promise<void> {
    while (!stopped()) {
      await this.searchAfterJoin();
      if (stopped()) break;
      await this.receiptAcrossRemoval();
      if (stopped()) break;
      await this.reconnectWhileRemoved();
      if (stopped()) break;
      if (this.tally.createProbes < this.o.maxCreates) await this.createAndSend();
    }
  }

  private token(userId: string): string {
    let t = this.tokens.get(userId);
    if (!t) this.tokens.set(userId, (t = signToken(userId, this.secret, { ttlSec: 3600 })));
    return t;
  }

  /** GET as a user on the next gateway: the status and the parsed body (null when no gateway answered). */
  private async get<T>(userId: string, path: string): Promise<{ status: number; body: Partial<T> | null } | null> {
    const gw = this.ctx.gateways[this.turn++ % this.ctx.gateways.length]!.url;
    try {
      const res = await fetch(`${gw}${path}`, { headers: { authorization: `Bearer ${this.token(userId)}` }, signal: AbortSignal.timeout(10_000) });
      return { status: res.status, body: (await res.json().catch(() => null)) as Partial<T> | null };
    } catch {
      return null; // a gateway down (the fault): the next call goes elsewhere
    }
  }

  /** Every search hit of a user in one conversation (the word every load body has). */
  private async search(userId: string, conversationId: string): Promise<{ status: number; ids: string[] } | null> {
    const r = await this.get<{ hits: Array<{ conversationId: string; messageId: string }> }>(userId, `/v1/search?${new URLSearchParams({ q: SEARCH_COMMON_WORD, conversationId, limit: '100' })}`);
    if (!r) return null;
    const hits = r.body?.hits ?? [];
    return { status: r.status, ids: hits.filter((h) => h.conversationId === conversationId).map((h) => h.messageId) };
  }

  private record(channel: 'search' | 'history', recipientId: string, conversationId: string, ids: readonly string[]): void {
    const at = Date.now();
    for (const messageId of ids) this.tally.observations.push({ channel, recipientId, conversationId, messageId, receivedAt: at });
  }

  /**
   * A member sends; once a member's search finds it, the outsider is added and at once searches
   * the conversation and reads its history from the start: everything from before the join
   * that comes back is a leak. Then the outsider leaves, so the next round's message is one
   * sent while they were away (a member who left and came back).
   */
  private async searchAfterJoin(): Promise<void> {
    const g = this.groups.search;
    const sender = g.members[0]!;
    const before = await this.search(sender, g.conversationId);
    if (!before || before.status !== 200) return;
    await this.pool.to(sender, { type: 'send', userId: sender, conversationId: g.conversationId, count: 1 });
    const seen = new Set(before.ids);
    let indexed = false;
    for (let i = 0; i < 40 && !indexed; i++) {
      await this.ctx.sleep(250);
      const now = await this.search(sender, g.conversationId);
      indexed = !!now && now.status === 200 && now.ids.some((id) => !seen.has(id));
    }
    if (!indexed) return;
    await this.ctx.changeMembers(g.conversationId, sender, 'joined', [g.outsider]);
    let found: { status: number; ids: string[] } | null = null;
    for (let i = 0; i < 20; i++) {
      found = await this.search(g.outsider, g.conversationId);
      if (found?.status === 200) break;
      this.tally.searchRefused++;
      await this.ctx.sleep(100);
    }
    if (found?.status === 200) {
      this.tally.searchProbes++;
      this.record('search', g.outsider, g.conversationId, found.ids);
    }
    const page = await this.get<{ messages: Array<{ messageId: string }> }>(g.outsider, `/v1/conversations/${encodeURIComponent(g.conversationId)}/messages?after=0&limit=500`);
    if (page?.status === 200) this.record('history', g.outsider, g.conversationId, (page.body?.messages ?? []).map((m) => m.messageId));
    await this.ctx.changeMembers(g.conversationId, sender, 'left', [g.outsider]);
  }

  /**
   * The reader reads (the leaver gets that receipt: the receipts side now knows them as a
   * member), the leaver is removed, a member sends and the reader reads again: that receipt
   * reaching the leaver is a leak. The leaver is added back for the next round.
   */
  private async receiptAcrossRemoval(): Promise<void> {
    const g = this.groups.receipts;
    const by = g.members[0]!;
    await this.pool.to(g.reader, { type: 'read', userId: g.reader, conversationId: g.conversationId, messageId: READ_ALL });
    await this.ctx.sleep(500);
    await this.ctx.changeMembers(g.conversationId, by, 'left', [g.leaver]);
    await this.pool.to(by, { type: 'send', userId: by, conversationId: g.conversationId, count: 1 });
    await this.ctx.sleep(200);
    await this.pool.to(g.reader, { type: 'read', userId: g.reader, conversationId: g.conversationId, messageId: READ_ALL });
    this.tally.receiptProbes++;
    await this.ctx.sleep(500);
    await this.ctx.changeMembers(g.conversationId, by, 'joined', [g.leaver]);
  }

  /**
   * The mover's socket closes and opens again while they are removed from a group read from
   * its channel; members send at once. A socket admitted across the removal and still routed
   * to the channel gets those messages: leaks. The mover is added back.
   */
  private async reconnectWhileRemoved(): Promise<void> {
    const g = this.groups.reconnect;
    const by = g.members[0]!;
    await this.pool.to(g.mover, { type: 'disconnect', users: [g.mover] });
    await Promise.all([this.pool.to(g.mover, { type: 'reconnect', users: [g.mover] }), this.ctx.changeMembers(g.conversationId, by, 'left', [g.mover])]);
    this.tally.reconnectProbes++;
    for (const sender of g.members.slice(0, 3)) if (sender !== g.mover) await this.pool.to(sender, { type: 'send', userId: sender, conversationId: g.conversationId, count: 2 });
    await this.ctx.sleep(500);
    await this.ctx.changeMembers(g.conversationId, by, 'joined', [g.mover]);
  }

  /**
   * A group above the threshold is created on one gateway; its members learn of it and those
   * first placed on the other gateways send at once: a gateway that subscribes to the new
   * channel after those publishes loses them for its members (lost).
   */
  private async createAndSend(): Promise<void> {
    const n = this.o.threshold + 2;
    const from = Math.floor(this.o.rng.next() * this.o.users.length);
    const members = Array.from({ length: n }, (_, i) => this.o.users[(from + i) % this.o.users.length]!);
    const c = await this.ctx.createConversationVia(0, members[0]!, members);
    await Promise.all(members.map((u) => this.pool.to(u, { type: 'member', userId: u, conversationId: c.conversationId, change: 'joined', messageId: '0' })));
    const gateways = Math.max(1, this.ctx.gateways.length);
    // load clients start on gateway (index % gateways): the members placed off the creating one
    const elsewhere = members.filter((u) => this.o.users.indexOf(u) % gateways !== 0).slice(0, 4);
    await Promise.all(elsewhere.map((u) => this.pool.to(u, { type: 'send', userId: u, conversationId: c.conversationId, count: 1 })));
    this.tally.createProbes++;
    await this.ctx.sleep(300);
  }
}

import { systemClock, type Clock } from '../core/index.js';
import type { Conversation } from '../store/index.js';

/** What the friend lookup needs (ConversationStore, or a gateway's cached view of it). */
export interface ConversationSource {
  conversationsOf(userId: string): Promise<string[]>;
  get(conversationId: string): Promise<Conversation | null>;
}

/**
 * Friends = the other member of each of a user's direct conversations (docs/protocol.md). A status
 * change of one user needs their friends once per change, and changes come in storms (a
 * gateway restart), so lists are kept for `ttlMs`; conversations never change membership, so
 * their members are kept for good (bounded). Concurrent lookups of one user share one load.
 */
export class FriendsCache {
  private readonly lists = new Map<string, { friends: string[]; at: number }>();
  private readonly loading = new Map<string, Promise<string[]>>();
  private readonly pairs = new Map<string, [string, string] | null>();
  /** Friend ids held across all lists: the bound, since one list may hold thousands. */
  private listed = 0;

  constructor(
    private readonly source: ConversationSource,
    private readonly ttlMs: number,
    private readonly clock: Clock = systemClock,
    /** Friend ids across cached lists, and pairs cached (each pair is two ids). */
    private readonly max = 1_000_000,
  ) {}

  async friendsOf(userId: string): Promise<string[]> {
    const hit = this.lists.get(userId);
    if (hit && this.clock.now() - hit.at < this.ttlMs) return hit.friends;
    const inFlight = this.loading.get(userId);
    if (inFlight) return inFlight;
    const load = this.load(userId).finally(() => this.loading.delete(userId));
    this.loading.set(userId, load);
    return load;
  }

  private async load(userId: string): Promise<string[]> {
    const ids = await this.source.conversationsOf(userId);
    const pairs = await Promise.all(ids.map((id) => this.pair(id)));
    const friends = [...new Set(pairs.flatMap((p) => (p && p.includes(userId) ? p.filter((m) => m !== userId) : [])))];
    this.forget(userId);
    while (this.lists.size > 0 && this.listed + friends.length > this.max) this.forget(this.lists.keys().next().value as string);
    this.lists.set(userId, { friends, at: this.clock.now() });
    this.listed += friends.length;
    return friends;
  }

  private forget(userId: string): void {
    this.listed -= this.lists.get(userId)?.friends.length ?? 0;
    this.lists.delete(userId);
  }

  /** The two members of a direct conversation; null for a group. */
  private async pair(conversationId: string): Promise<[string, string] | null> {
    if (this.pairs.has(conversationId)) return this.pairs.get(conversationId)!;
    // Ids say the kind (d_ / g_, ConversationStore.idFor): no load for a group.
    if (!conversationId.startsWith('d_')) return null;
    const c = await this.source.get(conversationId);
    if (!c) return null; // not cached: it may appear later
    const pair = c.kind === 'direct' && c.members.length === 2 ? ([c.members[0]!, c.members[1]!] as [string, string]) : null;
    bounded(this.pairs, this.max);
    this.pairs.set(conversationId, pair);
    return pair;
  }
}

function bounded<K, V>(map: Map<K, V>, max: number): void {
  if (map.size < max) return;
  const oldest = map.keys().next();
  if (!oldest.done) map.delete(oldest.value);
}

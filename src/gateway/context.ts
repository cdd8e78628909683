import type { Redis } from 'ioredis';
import type { Clock } from '../core/index.js';
import type { Conversation, ConversationStore, MessageStore, RedisKeys } from '../store/index.js';
import type { GatewayMetrics } from './metrics.js';
import type { Minter } from './minting.js';
import type { GatewayOptions } from './options.js';
import type { BatchingProducer } from './producer.js';
import type { Router } from './router.js';

/** Everything a connection's handlers share, built once by the gateway. */
export interface GatewayContext {
  gatewayId: string;
  options: GatewayOptions;
  redis: Redis;
  keys: RedisKeys;
  conversations: CachedConversations;
  messages: MessageStore;
  producer: BatchingProducer;
  /** Snowflake ids, only while the worker-id lease is held. */
  minter: Minter;
  router: Router;
  metrics: GatewayMetrics;
  /** Sends accepted but not yet acknowledged by Kafka: graceful shutdown waits for them. */
  inFlight: Set<Promise<unknown>>;
  /** When this gateway last saw Redis come back after a loss (0: never); its streams may be gone. */
  redisLostAt: number;
  /** Hooks for the presence and receipts features (gateways only emit events). */
  events: GatewayEvents;
  /** The clock ids are minted by (a clock-skew fault moves it); the system clock by default. */
  clock?: Clock;
}

export interface GatewayEvents {
  connected(userId: string, socketId: string): void;
  disconnected(userId: string, socketId: string): void;
  heartbeat(userId: string, socketId: string): void;
  read(userId: string, conversationId: string, messageId: string): Promise<void>;
}

/** How long after a Redis loss an absent `recent:<conv>` stream is taken as lost (sync answers retry). */
export const STREAM_LOSS_GRACE_MS = 15_000;

export function streamMayBeLost(ctx: Pick<GatewayContext, 'redisLostAt'>, now = Date.now()): boolean {
  return ctx.redisLostAt > 0 && now - ctx.redisLostAt < STREAM_LOSS_GRACE_MS;
}

/** Reads of one conversation while member changes keep making the read stale. */
const MAX_LOADS = 3;

/**
 * Conversations change only by member changes, which every gateway hears on `members:changes`
 * (applied here in place, see src/gateway/membership-routing.ts); a send that still raced one is
 * refused by the publish script and reads the conversation again, so the cache is kept once loaded,
 * until its subscriber connection drops (invalidateAll: changes published meanwhile went
 * unheard). A read in flight when a change of its conversation is heard is read again. The bound is
 * on members held, not on entries: one 10,000-member group weighs what 5,000 direct
 * conversations do, so a burst of large groups cannot grow the heap past the bound.
 */
export class CachedConversations {
  private readonly cache = new Map<string, Conversation>();
  private readonly memberSets = new Map<string, Set<string>>();
  private held = 0;
  /** Loads in flight, per conversation: a change heard meanwhile marks them stale (read again). */
  private readonly loading = new Map<string, Set<{ stale: boolean }>>();

  constructor(
    private readonly store: ConversationStore,
    /** Members held across all cached conversations (each costs a string in a list and a set). */
    private readonly maxMembers = 1_000_000,
  ) {}

  peek(id: string): Conversation | undefined {
    return this.cache.get(id);
  }

  isMember(id: string, userId: string): boolean {
    return this.memberSets.get(id)?.has(userId) ?? false;
  }

  async get(id: string): Promise<Conversation | null> {
    for (let attempt = 1; ; attempt++) {
      const hit = this.cache.get(id);
      if (hit) return hit;
      const token = { stale: false };
      let pending = this.loading.get(id);
      if (!pending) this.loading.set(id, (pending = new Set()));
      pending.add(token);
      let loaded: Conversation | null;
      try {
        loaded = await this.store.get(id);
      } finally {
        pending.delete(token);
        if (pending.size === 0) this.loading.delete(id);
      }
      // a change heard (or the subscriber lost) while it loaded: the copy may predate it
      if (!token.stale) {
        if (loaded) this.put(loaded);
        return loaded;
      }
      if (attempt >= MAX_LOADS) return loaded;
    }
  }

  /**
   * Forgets everything, loads in flight included: the subscriber was away, so member changes
   * published meanwhile were never heard (a Redis restart, Redis closing a slow subscriber).
   */
  invalidateAll(): void {
    this.cache.clear();
    this.memberSets.clear();
    this.held = 0;
    for (const pending of this.loading.values()) for (const token of pending) token.stale = true;
  }

  put(c: Conversation): void {
    if (this.cache.has(c.conversationId)) this.drop(c.conversationId);
    while (this.cache.size > 0 && this.held + c.members.length > this.maxMembers) this.drop(this.cache.keys().next().value as string);
    this.cache.set(c.conversationId, c);
    this.memberSets.set(c.conversationId, new Set(c.members));
    this.held += c.members.length;
  }

  /** Drops a conversation: the next get() reads it again. */
  forget(id: string): void {
    this.drop(id);
  }

  /**
   * A member change heard on `members:changes`: applied in place when the cached copy is the
   * version it started from, else forgotten (read again on next use).
   */
  applyChange(c: { conversationId: string; change: 'joined' | 'left'; userIds: readonly string[]; from: string; to: string }): void {
    for (const token of this.loading.get(c.conversationId) ?? []) token.stale = true;
    const hit = this.cache.get(c.conversationId);
    if (!hit) return;
    if (hit.version !== c.from) return this.drop(c.conversationId);
    const set = new Set(hit.members);
    for (const u of c.userIds) {
      if (c.change === 'joined') set.add(u);
      else set.delete(u);
    }
    this.put({ ...hit, members: [...set], version: c.to });
  }

  /** Members held now (what the bound counts). */
  get heldMembers(): number {
    return this.held;
  }

  private drop(id: string): void {
    this.held -= this.cache.get(id)?.members.length ?? 0;
    this.cache.delete(id);
    this.memberSets.delete(id);
  }

  get raw(): ConversationStore {
    return this.store;
  }
}

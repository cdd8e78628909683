import type { Redis } from 'ioredis';
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

/** Conversations never change membership, so the gateway keeps them once loaded (bounded). */
export class CachedConversations {
  private readonly cache = new Map<string, Conversation>();
  private readonly memberSets = new Map<string, Set<string>>();

  constructor(
    private readonly store: ConversationStore,
    private readonly max = 200_000,
  ) {}

  peek(id: string): Conversation | undefined {
    return this.cache.get(id);
  }

  isMember(id: string, userId: string): boolean {
    return this.memberSets.get(id)?.has(userId) ?? false;
  }

  async get(id: string): Promise<Conversation | null> {
    const hit = this.cache.get(id);
    if (hit) return hit;
    const loaded = await this.store.get(id);
    if (loaded) this.put(loaded);
    return loaded;
  }

  put(c: Conversation): void {
    if (this.cache.size >= this.max) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
      this.memberSets.delete(oldest);
    }
    this.cache.set(c.conversationId, c);
    this.memberSets.set(c.conversationId, new Set(c.members));
  }

  get raw(): ConversationStore {
    return this.store;
  }
}

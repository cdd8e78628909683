import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { ChatlabError, ErrorCodes, conversationKind, mapLimited, type ConversationKind } from '../core/index.js';
import type { CassandraClient } from './cassandra.js';
import type { RedisKeys } from './keys.js';
import type { MemberChangeControl } from './fanout.js';
import { loadMembershipHistory, recordMemberChange, spansHashOf } from './membership.js';
import { parseSpans, type Span } from './spans.js';

/** A member no conversation id can be: the set was filled from Cassandra. */
const LOADED_MARK = '!loaded';
/**
 * Fills a conversation into Redis only if nobody did first (its meta has no `kind`): a reload
 * read from Cassandra a moment ago must never overwrite a member change Redis took since.
 * KEYS meta, members, spans; ARGV n members, the members, n span pairs, the pairs, then meta pairs.
 * Returns 1 filled, 0 already there.
 */
const FILL_IF_ABSENT = `
if redis.call('HEXISTS', KEYS[1], 'kind') == 1 then return 0 end
redis.call('DEL', KEYS[2], KEYS[3])
-- in chunks: Lua's unpack refuses a few thousand values at once (members go up to the cap)
local n = tonumber(ARGV[1])
for i = 2, 1 + n, 1000 do redis.call('SADD', KEYS[2], unpack(ARGV, i, math.min(i + 999, 1 + n))) end
local s = tonumber(ARGV[2 + n])
local last = 2 + n + 2 * s
for i = 3 + n, last, 1000 do redis.call('HSET', KEYS[3], unpack(ARGV, i, math.min(i + 999, last))) end
redis.call('HSET', KEYS[1], unpack(ARGV, last + 1, #ARGV))
return 1
`;

export interface Conversation {
  conversationId: string;
  kind: ConversationKind;
  name: string | null;
  members: string[];
  createdAt: number;
  /** Membership version: the id of its last member change ('0': never changed). */
  version: string;
}

/**
 * Conversations change only by member changes (src/store/membership.ts), each with a
 * version (its id) that the send script checks. Cassandra holds them
 * durably; Redis holds the copy the hot path reads, refilled from Cassandra after a Redis
 * restart (a Redis without persistence comes back empty).
 */
export class ConversationStore {
  /** Loads from Cassandra in flight, by conversation: concurrent readers share one. */
  private readonly loading = new Map<string, Promise<Conversation | null>>();

  constructor(
    private readonly redis: Redis,
    private readonly cassandra: CassandraClient,
    private readonly keyspace: string,
    private readonly keys: RedisKeys,
    /** The stack's secret: only create() needs it (readers never derive ids). */
    private readonly secret?: string,
  ) {}

  /**
   * Direct conversations get an id derived from the pair, so creating one twice is harmless;
   * keyed with the stack's secret (HMAC), so nobody else can compute the id of (A, B) and learn
   * from 403 vs 404 whether A and B are friends. The "conversation-id" prefix keeps these MACs
   * apart from token signatures made with the same secret (token payloads never hold \0).
   */
  static idFor(members: readonly string[], secret: string): string {
    if (members.length === 2) {
      const pair = [...members].sort().join('\u0000');
      return `d_${crypto.createHmac('sha256', secret).update(`conversation-id\u0000${pair}`).digest('base64url').slice(0, 22)}`;
    }
    return `g_${crypto.randomBytes(12).toString('base64url')}`;
  }

  async create(members: string[], name?: string): Promise<Conversation> {
    if (!this.secret) throw new ChatlabError(ErrorCodes.CONFIG, 'ConversationStore.create needs the stack secret (conversation ids are keyed with it)');
    const conversation: Conversation = {
      conversationId: ConversationStore.idFor(members, this.secret),
      kind: conversationKind(members),
      name: name ?? null,
      members: [...members],
      createdAt: Date.now(),
      version: '0',
    };
    if (conversation.kind === 'direct') {
      const existing = await this.get(conversation.conversationId);
      if (existing) return existing;
    }
    await this.cassandra.execute(
      `INSERT INTO ${this.keyspace}.conversations (conversation_id, kind, name, members, created_at) VALUES (?, ?, ?, ?, ?)`,
      [conversation.conversationId, conversation.kind, conversation.name, conversation.members, new Date(conversation.createdAt)],
    );
    await mapLimited(members, 64, (user) =>
      this.cassandra.execute(`INSERT INTO ${this.keyspace}.user_conversations (user_id, conversation_id) VALUES (?, ?)`, [user, conversation.conversationId]),
    );
    await this.cache(conversation, true);
    return conversation;
  }

  /** The conversation as Redis has it, loaded from Cassandra when Redis lacks it; null when unknown. */
  async get(conversationId: string, rereadIfRaced = true): Promise<Conversation | null> {
    const pipeline = this.redis.pipeline();
    pipeline.hgetall(this.keys.meta(conversationId));
    pipeline.smembers(this.keys.members(conversationId));
    const [[, meta], [, members]] = (await pipeline.exec()) as [[null, Record<string, string>], [null, string[]]];
    if (meta && meta['kind'] && members.length > 0) {
      return {
        conversationId,
        kind: meta['kind'] as ConversationKind,
        name: meta['name'] || null,
        members,
        createdAt: Number(meta['createdAt']),
        version: meta['ver'] || '0',
      };
    }
    if (!rereadIfRaced) return this.load(conversationId, false);
    // single flight: a sync storm after a Redis restart asks for the same conversations at once
    let pending = this.loading.get(conversationId);
    if (!pending) {
      pending = this.load(conversationId, true).finally(() => this.loading.delete(conversationId));
      this.loading.set(conversationId, pending);
    }
    return pending;
  }

  /** From Cassandra (Redis lacks it), filled into Redis unless another process did first. */
  private async load(conversationId: string, rereadIfRaced: boolean): Promise<Conversation | null> {
    const rs = await this.cassandra.execute(`SELECT kind, name, members, created_at FROM ${this.keyspace}.conversations WHERE conversation_id = ?`, [conversationId]);
    const row = rs.first();
    if (!row) return null;
    const history = await loadMembershipHistory(this.cassandra, this.keyspace, conversationId);
    const conversation: Conversation = {
      conversationId,
      kind: row['kind'],
      name: row['name'] ?? null,
      members: row['members'] ?? [],
      createdAt: (row['created_at'] as Date).getTime(),
      version: history.version,
    };
    // another process filled it since our first read: theirs is at least as new (read it once more)
    const filled = await this.cache(conversation, false, spansHashOf(history.spans));
    if (!filled && rereadIfRaced) return (await this.get(conversationId, false)) ?? conversation;
    return conversation;
  }

  /**
   * A member's spans in the conversation's order (src/store/spans.ts); null when the conversation
   * is unknown. Reloaded from Cassandra when Redis lost the conversation (a missing spans entry
   * would otherwise read as "a founding member": everything visible).
   */
  async spansOf(conversationId: string, userId: string): Promise<Span[] | null> {
    const [[, exists], [, raw]] = (await this.redis.pipeline().exists(this.keys.meta(conversationId)).hget(this.keys.spans(conversationId), userId).exec()) as [[null, number], [null, string | null]];
    if (exists) return parseSpans(raw);
    if (!(await this.get(conversationId))) return null;
    return parseSpans(await this.redis.hget(this.keys.spans(conversationId), userId));
  }

  /**
   * A member's spans in each of these conversations, one round trip for all that Redis holds
   * (search asks for every conversation of the caller); a conversation Redis lost is reloaded as
   * spansOf does. Unknown conversations are left out.
   */
  async spansOfMany(conversationIds: readonly string[], userId: string): Promise<Map<string, Span[]>> {
    const pipeline = this.redis.pipeline();
    for (const id of conversationIds) pipeline.exists(this.keys.meta(id)).hget(this.keys.spans(id), userId);
    const replies = ((await pipeline.exec()) ?? []) as Array<[Error | null, unknown]>;
    const out = new Map<string, Span[]>();
    const reload: string[] = [];
    conversationIds.forEach((id, i) => {
      const [[existsErr, exists], [rawErr, raw]] = [replies[2 * i]!, replies[2 * i + 1]!];
      if (existsErr || rawErr) throw existsErr ?? rawErr;
      if (exists) out.set(id, parseSpans(raw as string | null));
      else reload.push(id);
    });
    await mapLimited(reload, 16, async (id) => {
      const spans = await this.spansOf(id, userId);
      if (spans) out.set(id, spans);
    });
    return out;
  }

  /**
   * `user:<u>:convs` is trusted only once marked loaded (it holds LOADED_MARK): a set that a
   * Redis flush emptied, then a new conversation refilled with one id, is not the whole list.
   */
  async conversationsOf(userId: string): Promise<string[]> {
    const key = this.keys.userConversations(userId);
    const cached = await this.redis.smembers(key);
    if (cached.includes(LOADED_MARK)) return cached.filter((id) => id !== LOADED_MARK);
    const rs = await this.cassandra.execute(`SELECT conversation_id FROM ${this.keyspace}.user_conversations WHERE user_id = ?`, [userId]);
    const ids = rs.rows.map((r) => String(r['conversation_id']));
    // Cassandra has every conversation created before this read (they are written there first);
    // one created or joined since went into the set itself (create, the join's script)
    const [, [, all]] = (await this.redis.pipeline().sadd(key, LOADED_MARK, ...ids).smembers(key).exec()) as [unknown, [null, string[]]];
    return all.filter((id) => id !== LOADED_MARK);
  }

  /** The durable side of a member change Redis took (src/store/membership.ts). */
  async recordChange(control: MemberChangeControl): Promise<void> {
    await recordMemberChange(this.cassandra, this.keyspace, control);
  }

  /** Fills the conversation into Redis unless it is there already; false when it was. */
  private async cache(c: Conversation, withUserIndex: boolean, spans: Record<string, string> = {}): Promise<boolean> {
    const filled = await fillConversationIfAbsent(this.redis, this.keys, c, spans, withUserIndex);
    // Into loaded sets and unloaded ones alike: a load whose Cassandra read came before this
    // conversation was written there keeps it, and an unloaded set is not trusted (conversationsOf).
    if (withUserIndex) {
      const pipeline = this.redis.pipeline();
      for (const m of c.members) pipeline.sadd(this.keys.userConversations(m), c.conversationId);
      await pipeline.exec();
    }
    return filled;
  }
}

/**
 * One conversation into Redis, atomically, unless Redis holds it already (then false): a copy
 * read from Cassandra before a member change never overwrites that change. `fresh` marks a
 * conversation created here (its first message has nothing before it, src/store/fanout.ts).
 */
export async function fillConversationIfAbsent(redis: Redis, keys: RedisKeys, c: Conversation, spans: Record<string, string>, fresh: boolean): Promise<boolean> {
  const meta: Record<string, string> = { kind: c.kind, name: c.name ?? '', size: String(c.members.length), createdAt: String(c.createdAt), ver: c.version, ...(fresh ? { fresh: '1' } : {}) };
  const spanPairs = Object.entries(spans);
  const filled = await redis.eval(
    FILL_IF_ABSENT,
    3,
    keys.meta(c.conversationId),
    keys.members(c.conversationId),
    keys.spans(c.conversationId),
    c.members.length,
    ...c.members,
    spanPairs.length,
    ...spanPairs.flat(),
    ...Object.entries(meta).flat(),
  );
  return filled === 1;
}

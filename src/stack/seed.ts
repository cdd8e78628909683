import { Redis } from 'ioredis';
import { z } from 'zod';
import { ChatlabError, ErrorCodes, createRng, mapLimited } from '../core/index.js';
import { ConversationStore, createCassandraClient, redisKeys } from '../store/index.js';
import type { InfraEndpoints } from '../infra/index.js';

/** `--groups 3x50,1x500` (or `50,500`): how many groups of which size. */
export function parseGroupSpec(spec: string | undefined): Array<{ count: number; size: number }> {
  if (!spec) return [];
  return spec.split(',').map((part) => {
    const m = /^\s*(?:(\d+)x)?(\d+)\s*$/.exec(part);
    if (!m) throw new ChatlabError(ErrorCodes.CONFIG, `--groups: "${part}" is not SIZE or COUNTxSIZE (e.g. 3x50,1x500)`);
    const count = Number(m[1] ?? 1);
    const size = Number(m[2]);
    if (count < 1 || size < 3) throw new ChatlabError(ErrorCodes.CONFIG, `--groups: "${part}" needs a count ≥ 1 and a size ≥ 3 (two members make a direct conversation)`);
    return { count, size };
  });
}

export const seedOptionsSchema = z.object({
  users: z.coerce.number().int().min(2, '--users must be at least 2').max(1_000_000).default(100),
  friends: z.coerce.number().int().min(0).max(1000).default(4),
  groups: z.string().optional(),
  prefix: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, '--prefix: 1..40 of [A-Za-z0-9_-]').default('user'),
  seed: z.coerce.number().int().default(1),
});
export type SeedOptions = z.infer<typeof seedOptionsSchema>;

export interface SeedResult {
  users: string[];
  directs: Array<{ conversationId: string; members: [string, string] }>;
  groups: Array<{ conversationId: string; size: number; members: string[] }>;
}

export function userIds(prefix: string, n: number): string[] {
  const width = String(n).length;
  return Array.from({ length: n }, (_, i) => `${prefix}-${String(i + 1).padStart(width, '0')}`);
}

/**
 * Friendships as a ring lattice (each user befriends the next ⌈K/2⌉ around the ring, so each
 * has about K friends), and groups of random distinct members (seeded, repeatable).
 */
export async function seedStack(endpoints: InfraEndpoints, keyspace: string, opts: SeedOptions, onProgress: (done: number, total: number) => void = () => {}, secret?: string): Promise<SeedResult> {
  const groupsSpec = parseGroupSpec(opts.groups);
  if (groupsSpec.some((g) => g.size > opts.users)) throw new ChatlabError(ErrorCodes.CONFIG, `--groups: a group cannot be larger than --users (${opts.users})`);
  const users = userIds(opts.prefix, opts.users);
  const rng = createRng(opts.seed);
  const redis = new Redis(endpoints.redis.url);
  const cassandra = createCassandraClient({ ...endpoints.cassandra });
  const store = new ConversationStore(redis, cassandra, keyspace, redisKeys(''), secret);
  const result: SeedResult = { users, directs: [], groups: [] };
  try {
    const pairs = ringPairs(users, opts.friends);
    const total = pairs.length + groupsSpec.reduce((n, g) => n + g.count, 0);
    let done = 0;
    result.directs = await mapLimited(pairs, 16, async (pair) => {
      const c = await store.create(pair);
      onProgress(++done, total);
      return { conversationId: c.conversationId, members: pair };
    });
    for (const g of groupsSpec) {
      for (let i = 0; i < g.count; i++) {
        const members = sample(users, g.size, rng);
        const c = await store.create(members, `group of ${g.size}`);
        result.groups.push({ conversationId: c.conversationId, size: g.size, members });
        onProgress(++done, total);
      }
    }
  } finally {
    redis.disconnect();
    await cassandra.shutdown();
  }
  return result;
}

/**
 * Friendships as a ring lattice: each user befriends the next ⌈K/2⌉ around the ring, so each
 * has about K friends; never the same pair twice, however small the ring.
 */
export function ringPairs(users: readonly string[], friends: number): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  if (friends <= 0) return pairs;
  const half = Math.min(Math.ceil(friends / 2), Math.floor((users.length - 1) / 2) || 1);
  for (let i = 0; i < users.length; i++) {
    for (let j = 1; j <= half; j++) {
      const k = (i + j) % users.length;
      if (k !== i && !(users.length === 2 && i === 1)) pairs.push([users[i]!, users[k]!]);
    }
  }
  return pairs;
}

function sample(users: string[], n: number, rng: { next(): number }): string[] {
  const copy = [...users];
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rng.next() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}

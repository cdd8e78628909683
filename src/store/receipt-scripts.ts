import type { Redis } from 'ioredis';
import type { RedisKeys } from './keys.js';

/**
 * Read watermarks in Redis: `rcpt:wm:<conv>` (user → highest read id) is the hot copy that
 * coalesces many `read` frames into one value; `rcpt:dirty` lists the entries Cassandra has
 * not caught up with, `rcpt:notify` the ones other members have not been told about.
 */

/**
 * Max-update. Ids are canonical decimal strings (no leading zeros) of up to 19 digits: Lua
 * numbers are doubles and would round them, so compare by length, then bytewise.
 * KEYS wm hash, dirty set, notify set; ARGV user, id, entry, markDirty → 1 raised, 0 not
 */
const RAISE_LUA = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur and (#cur > #ARGV[2] or (#cur == #ARGV[2] and cur >= ARGV[2])) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if ARGV[4] == '1' then redis.call('SADD', KEYS[2], ARGV[3]) end
redis.call('SADD', KEYS[3], ARGV[3])
return 1
`;

/**
 * Hands dirty entries to one worker: leftovers of its last (crashed) flush first, else up to
 * ARGV[1] entries moved from dirty to its processing set. An entry leaves processing only
 * after its row is written (see takeDone), so a crash in between loses nothing; a read that
 * raises the watermark meanwhile re-adds it to dirty, so that is not lost either.
 * KEYS dirty, processing; ARGV max → entries
 */
const TAKE_LUA = `
if redis.call('EXISTS', KEYS[2]) == 1 then return redis.call('SMEMBERS', KEYS[2]) end
local m = redis.call('SPOP', KEYS[1], tonumber(ARGV[1]))
for i = 1, #m, 500 do
  redis.call('SADD', KEYS[2], unpack(m, i, math.min(i + 499, #m)))
end
return m
`;

export interface ReceiptEntry {
  conversationId: string;
  userId: string;
}

export function receiptEntry(conversationId: string, userId: string): string {
  return `${conversationId}:${userId}`;
}

/** Ids never contain ':' (PROTOCOL: [A-Za-z0-9_-]), so the first one splits an entry. */
export function parseReceiptEntry(entry: string): ReceiptEntry | null {
  const i = entry.indexOf(':');
  if (i <= 0 || i === entry.length - 1) return null;
  return { conversationId: entry.slice(0, i), userId: entry.slice(i + 1) };
}

type Scripts = {
  chatlabReceiptRaise(...args: Array<string | number>): Promise<number>;
  chatlabReceiptTake(...args: Array<string | number>): Promise<string[]>;
};

export class ReceiptScripts {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    redis.defineCommand('chatlabReceiptRaise', { lua: RAISE_LUA, numberOfKeys: 3 });
    redis.defineCommand('chatlabReceiptTake', { lua: TAKE_LUA, numberOfKeys: 2 });
  }

  private get scripts(): Scripts {
    return this.redis as unknown as Scripts;
  }

  /** Raises the watermark if `messageId` is higher; `markDirty` false when the caller writes Cassandra itself. */
  async raise(conversationId: string, userId: string, messageId: string, markDirty: boolean): Promise<boolean> {
    const k = this.keys;
    const r = await this.scripts.chatlabReceiptRaise(k.receiptWatermarks(conversationId), k.receiptDirty, k.receiptNotify, userId, messageId, receiptEntry(conversationId, userId), markDirty ? '1' : '0');
    return Number(r) === 1;
  }

  async take(worker: string, max: number): Promise<ReceiptEntry[]> {
    const raw = await this.scripts.chatlabReceiptTake(this.keys.receiptDirty, this.keys.receiptProcessing(worker), max);
    return raw.map(parseReceiptEntry).filter((e): e is ReceiptEntry => e !== null);
  }

  /** The taken entries are durable in Cassandra. */
  async takeDone(worker: string): Promise<void> {
    await this.redis.del(this.keys.receiptProcessing(worker));
  }

  /** Entries whose new watermark others should hear about (taken at most once: best effort). */
  async popNotify(max: number): Promise<ReceiptEntry[]> {
    const raw = (await this.redis.spop(this.keys.receiptNotify, max)) as string[];
    return raw.map(parseReceiptEntry).filter((e): e is ReceiptEntry => e !== null);
  }

  /** Current watermarks of some users of one conversation (null = none). */
  async watermarks(conversationId: string, userIds: readonly string[]): Promise<Array<string | null>> {
    if (userIds.length === 0) return [];
    return this.redis.hmget(this.keys.receiptWatermarks(conversationId), ...userIds);
  }
}

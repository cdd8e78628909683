import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ErrorCodes, parseSnowflake, snowflakeFromTime, type Message } from '../../src/core/index.js';
import { startGateway, type RunningGateway } from '../../src/gateway/index.js';
import {
  ConversationStore,
  MessageStore,
  createCassandraClient,
  defineMemberChangeScript,
  definePublishScript,
  fillConversationIfAbsent,
  publishMemberChange,
  publishMessage,
  readHistory,
  readMembershipChanges,
  readRecentAfter,
  redisKeys,
  workerLeaseKey,
} from '../../src/store/index.js';
import { createConversation, endpoints, gatewayConfig, gateways, history, socketsPerTest, uniqueName, users } from './support.js';

const as = socketsPerTest();
const isMsg = (conv: string) => (f: any) => f.type === 'message' && f.conversationId === conv;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

let redis: Redis;
let cassandra: ReturnType<typeof createCassandraClient>;
beforeAll(async () => {
  redis = new Redis(endpoints().redis.url);
  definePublishScript(redis);
  defineMemberChangeScript(redis);
  cassandra = createCassandraClient({ ...endpoints().cassandra, keyspace: 'chatlab' });
  await cassandra.connect();
});
afterAll(async () => {
  redis.disconnect();
  await cassandra.shutdown();
});

describe('exact sync cursors: the publish script refuses an id not above the last', () => {
  it('a lower id is stale (with the top id), and the stream reads exactly after an id, bounded', async () => {
    const keys = redisKeys(`${uniqueName('ord')}:`);
    const base = BigInt(snowflakeFromTime(Date.now()));
    const msg = (offset: number, clientMsgId: string): Message => ({ conversationId: 'c', messageId: (base + BigInt(offset)).toString(), senderId: 'u', clientMsgId, body: 'b', sentAt: 1 });
    const publish = (m: Message) => publishMessage(redis, keys, { message: m, origin: 'o', channels: [], dedupeTtlSec: 60 });
    expect((await publish(msg(10, 'a'))).outcome).toBe('published');
    expect(await publish(msg(5, 'b'))).toEqual({ outcome: 'stale', topId: msg(10, 'a').messageId });
    expect(await publish(msg(10, 'c'))).toMatchObject({ outcome: 'stale' });
    // the refused id claimed nothing: the same clientMsgId goes through with a higher id
    expect((await publish(msg(11, 'b'))).outcome).toBe('published');
    expect((await publish(msg(12, 'd'))).outcome).toBe('published');
    const page = await readRecentAfter(redis, keys.recent('c'), msg(10, 'a').messageId, 1);
    expect(page.messages.map((m) => m.messageId)).toEqual([msg(11, 'b').messageId]);
    expect(page.first).toEqual({ id: msg(10, 'a').messageId, prev: null });
    const next = await readRecentAfter(redis, keys.recent('c'), msg(11, 'b').messageId, 5);
    expect(next.messages.map((m) => m.messageId)).toEqual([msg(12, 'd').messageId]);
  });
});

describe('a hole between Cassandra and the capped stream is answered "retry"', () => {
  it('the cap trimmed what Cassandra lacks, or Redis lost the stream: CHATLAB_E_UNAVAILABLE, not a page that skips it', async () => {
    const keys = redisKeys(`${uniqueName('hole')}:`);
    const conv = uniqueName('conv');
    const key = keys.recent(conv);
    const base = BigInt(snowflakeFromTime(Date.now()));
    const ids = [1, 2, 3, 4, 5].map((i) => (base + BigInt(i)).toString());
    const message = (id: string): Message => ({ conversationId: conv, messageId: id, senderId: 'u', clientMsgId: id, body: 'b', sentAt: 1 });
    for (const id of ids) await publishMessage(redis, keys, { message: message(id), origin: 'o', channels: [], dedupeTtlSec: 60 });
    await redis.xtrim(key, 'MAXLEN', 2); // what the cap does under a persist lag longer than the stream
    const read = (after: string) => readHistory({ store: new MessageStore(cassandra, 'chatlab'), redis, recentKey: key, conversationId: conv, after, limit: 10, fromMs: Date.now() - 60_000 });
    await expect(read('0')).rejects.toMatchObject({ code: ErrorCodes.UNAVAILABLE });
    await expect(read(ids[1]!)).rejects.toMatchObject({ code: ErrorCodes.UNAVAILABLE });
    // from the last trimmed id on, the stream alone is complete
    expect((await read(ids[2]!)).messages.map((m) => m.messageId)).toEqual([ids[3], ids[4]]);

    // a Redis restart without persistence: the stream begins again at the next message
    await redis.del(key);
    const later = snowflakeFromTime(Date.now() + 5); // fresh: a new stream refuses ids minted over a second ago
    await publishMessage(redis, keys, { message: message(later), origin: 'o', channels: [], dedupeTtlSec: 60 });
    await expect(read(ids[2]!)).rejects.toMatchObject({ code: ErrorCodes.UNAVAILABLE });
  });
});

describe('a new conversation\'s first messages are readable before they are persisted', () => {
  it('created on this Redis: its stream starts at the beginning, so history after 0 is served at once; reloaded after a loss it is "retry"', async () => {
    const keys = redisKeys(`${uniqueName('fresh')}:`);
    const store = new ConversationStore(redis, cassandra, 'chatlab', keys, 'secret');
    const [a, b, c] = users('fresh', 3) as [string, string, string];
    const conv = (await store.create([a, b, c])).conversationId;
    const message = (offset: number): Message => ({ conversationId: conv, messageId: snowflakeFromTime(Date.now() + offset), senderId: a, clientMsgId: `m${offset}`, body: 'b', sentAt: 1 });
    const publish = (m: Message) => publishMessage(redis, keys, { message: m, origin: 'o', channels: [], dedupeTtlSec: 60 });
    const read = () => readHistory({ store: new MessageStore(cassandra, 'chatlab'), redis, recentKey: keys.recent(conv), conversationId: conv, after: '0', limit: 10, fromMs: Date.now() - 60_000 });
    const first = message(1);
    expect((await publish(first)).outcome).toBe('published');
    expect((await read()).messages.map((m) => m.messageId)).toEqual([first.messageId]);

    // Redis lost everything: the conversation is reloaded from Cassandra, not fresh, and the
    // new stream cannot tell what came before it (the first message is in no store here)
    await redis.del(keys.recent(conv), keys.meta(conv), keys.members(conv));
    expect(await store.get(conv)).not.toBeNull();
    expect((await publish(message(3))).outcome).toBe('published');
    await expect(read()).rejects.toMatchObject({ code: ErrorCodes.UNAVAILABLE });
  });
});

describe('a Redis restart while members change: a reload from Cassandra never overwrites a change Redis took since', () => {
  it('a copy read before a leave does not bring the member back, and a change to a conversation Redis lost is refused and re-read', async () => {
    const keys = redisKeys(`${uniqueName('reload')}:`);
    const store = new ConversationStore(redis, cassandra, 'chatlab', keys, inject('secret'));
    const [a, b, c, d] = users('rl', 4) as [string, string, string, string];
    const conv = (await store.create([a, b, c, d])).conversationId;
    const lose = () => redis.del(keys.meta(conv), keys.members(conv), keys.spans(conv)); // a Redis restart without persistence
    await lose();
    // one gateway reads the conversation from Cassandra (d still a member) ...
    const stale = (await store.get(conv))!;
    expect(stale.members).toContain(d);
    // ... d leaves through another gateway, in Redis ...
    const id = snowflakeFromTime(Date.now());
    const leave = { op: 'member' as const, conversationId: conv, change: 'left' as const, userIds: [d], ids: [id], from: stale.version, to: id, sizeBefore: 4, sizeAfter: 3 };
    expect(await publishMemberChange(redis, keys, { control: leave, channels: [], alsoUserInbox: false })).toEqual({ outcome: 'applied' });
    // ... and the first gateway's fill of its older copy lands late: it must change nothing
    expect(await fillConversationIfAbsent(redis, keys, stale, {}, false)).toBe(false);
    expect((await store.get(conv))!.members.sort()).toEqual([a, b, c].sort());
    expect(await store.spansOf(conv, d)).toEqual([{ join: '0', leave: id }]);

    // Redis lost the conversation after a gateway read it: the change is refused ('moved'), not applied to an empty set
    await lose();
    const id2 = snowflakeFromTime(Date.now() + 1);
    const join = { ...leave, change: 'joined' as const, userIds: ['newcomer'], ids: [id2], from: id, to: id2, sizeBefore: 3, sizeAfter: 4 };
    expect(await publishMemberChange(redis, keys, { control: join, channels: [], alsoUserInbox: false })).toMatchObject({ outcome: 'moved' });
    expect(await redis.exists(keys.members(conv), keys.meta(conv))).toBe(0);
  });

  it('fills a conversation at the member cap (10,000 members, spans for each) in one script', async () => {
    const keys = redisKeys(`${uniqueName('big')}:`);
    const members = Array.from({ length: 10_000 }, (_, i) => `u${i}`);
    const big = { conversationId: 'g_big', kind: 'group' as const, name: null, members, createdAt: Date.now(), version: '0' };
    const spans = Object.fromEntries(members.map((m) => [m, '5:']));
    expect(await fillConversationIfAbsent(redis, keys, big, spans, false)).toBe(true);
    expect(await redis.scard(keys.members('g_big'))).toBe(10_000);
    expect(await redis.hlen(keys.spans('g_big'))).toBe(10_000);
    expect(await redis.hget(keys.meta('g_big'), 'size')).toBe('10000');
  });
});

describe('a member change Redis took whose gateway died before Cassandra recorded it', () => {
  it('is recorded by the running gateways', async () => {
    const [g1] = gateways() as [string];
    const [a, b, c, d] = users('unrec', 4) as [string, string, string, string];
    const conv = (await createConversation(g1, a, [a, b, c, d])).body.conversationId as string;
    const keys = redisKeys('');
    // what a gateway killed right after the script leaves behind: Redis has the leave, Cassandra does not
    const id = snowflakeFromTime(Date.now());
    const leave = { op: 'member' as const, conversationId: conv, change: 'left' as const, userIds: [d], ids: [id], from: '0', to: id, sizeBefore: 4, sizeAfter: 3 };
    expect(await publishMemberChange(redis, keys, { control: leave, channels: [], alsoUserInbox: false })).toEqual({ outcome: 'applied' });
    let recorded: Awaited<ReturnType<typeof readMembershipChanges>> = [];
    for (let i = 0; i < 40 && recorded.length === 0; i++) {
      await sleep(250);
      recorded = await readMembershipChanges(cassandra, 'chatlab', conv);
    }
    expect(recorded).toEqual([{ userId: d, change: 'left', messageId: id }]);
    const row = (await cassandra.execute('SELECT members FROM chatlab.conversations WHERE conversation_id = ?', [conv])).first();
    expect([...(row?.['members'] as string[])].sort()).toEqual([a, b, c].sort());
    expect(await redis.hexists(keys.unrecordedChanges, `${conv} ${id}`)).toBe(0);
  });
});

describe('user conversation sets survive a Redis flush', () => {
  it('a conversation created after the flush does not hide the ones before it', async () => {
    const prefix = `${uniqueName('flush')}:`;
    const keys = redisKeys(prefix);
    const store = new ConversationStore(redis, cassandra, 'chatlab', keys, inject('secret'));
    const [u, v, w] = users('fl', 3) as [string, string, string];
    const before = await store.create([u, v, 'x1']);
    expect(await store.conversationsOf(u)).toEqual([before.conversationId]);
    await redis.del(keys.userConversations(u)); // what a Redis restart without persistence does
    const after = await store.create([u, w, 'x2']);
    expect((await store.conversationsOf(u)).sort()).toEqual([before.conversationId, after.conversationId].sort());
  });

  it('a conversation created while a gateway loads the set from Cassandra is in the set it loads', async () => {
    const keys = redisKeys(`${uniqueName('load')}:`);
    const creator = new ConversationStore(redis, cassandra, 'chatlab', keys, inject('secret'));
    // the loader's Cassandra read is made at once and answered when the test says (after the creation)
    const read = deferred();
    const answer = deferred();
    const held = {
      execute: async (...args: Parameters<typeof cassandra.execute>) => {
        const rs = await cassandra.execute(...args);
        read.resolve();
        await answer.promise;
        return rs;
      },
    };
    const loader = new ConversationStore(redis, held as unknown as typeof cassandra, 'chatlab', keys, inject('secret'));
    const [u, v] = users('ld', 2) as [string, string];
    const before = await creator.create([u, v, 'x1']);
    await redis.del(keys.userConversations(u)); // Redis restarted: the set is gone
    const loading = loader.conversationsOf(u);
    await read.promise; // Cassandra has answered the load, without what follows
    const during = await creator.create([u, v, 'x2']);
    answer.resolve();
    const ids = [before.conversationId, during.conversationId].sort();
    expect((await loading).sort()).toEqual(ids);
    expect((await creator.conversationsOf(u)).sort()).toEqual(ids); // and the set as loaded holds both
  });
});

describe('one sync in flight per socket, the queue behind it bounded', () => {
  it('a flood of syncs is answered in order up to the bound, the rest rate_limited with their conversation', async () => {
    const [g1] = gateways() as [string];
    const [alice, bob] = users('sy', 2) as [string, string];
    const conv = (await createConversation(g1, alice, [alice, bob, 'sy-x'])).body.conversationId;
    const a = await as(alice, g1);
    const n = 150;
    for (let i = 0; i < n; i++) a.send({ type: 'sync', conversationId: conv, after: '1' });
    const answers = await a.waitForCount((f) => f.type === 'sync_result' || (f.type === 'error' && f.code === 'rate_limited'), n, 20_000);
    const results = answers.filter((f) => f.type === 'sync_result').length;
    expect(results).toBeGreaterThanOrEqual(64);
    expect(results).toBeLessThan(n);
    expect(answers.find((f) => f.type === 'error')).toMatchObject({ code: 'rate_limited', conversationId: conv });
  });
});

describe('a lost worker lease stops minting with that worker id', () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await startGateway(gatewayConfig('gw-lease', { workerLeaseTtlMs: 600 }));
  });
  afterAll(async () => {
    await gw.shutdown();
  });

  it('once another process holds its id, the gateway refuses or mints under a new lease, never the old id', async () => {
    const base = `http://127.0.0.1:${gw.port}`;
    const [alice, bob] = users('ls', 2) as [string, string];
    const conv = (await createConversation(base, alice, [alice, bob])).body.conversationId;
    const a = await as(alice, base);
    a.send({ type: 'send', clientMsgId: 'm0', conversationId: conv, body: 'before' });
    const stolenId = parseSnowflake((await a.waitFor((f) => f.type === 'ack')).messageId).workerId;
    // a gateway started after a Redis restart (or our long pause) takes the same worker id
    await redis.set(workerLeaseKey('', stolenId), 'another-gateway', 'PX', 60_000);
    await sleep(700);
    for (let i = 1; i <= 5; i++) a.send({ type: 'send', clientMsgId: `m${i}`, conversationId: conv, body: `after ${i}` });
    const answers = await a.waitForCount((f) => f.type === 'ack' || f.type === 'error', 6, 10_000);
    for (const f of answers.slice(1)) {
      if (f.type === 'ack') expect(parseSnowflake(f.messageId).workerId).not.toBe(stolenId);
      else expect(f.code).toBe('unavailable');
    }
    expect(gw.ctx.minter.workerId).not.toBe(stolenId);
    expect(gw.ctx.minter.stats.leasesLost).toBeGreaterThanOrEqual(1);
    await redis.del(workerLeaseKey('', stolenId));
  });
});

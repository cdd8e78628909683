import cassandra from 'cassandra-driver';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { SnowflakeGenerator, type ServiceConfig } from '../../src/core/index.js';
import { startGateway, type RunningGateway } from '../../src/gateway/index.js';
import { WatermarkStore, receiptEntry, redisKeys } from '../../src/store/index.js';
import { startService, stopService } from '../../src/stack/index.js';
import { connect, scrapeMetric, type TestSocket } from '../support/ws-client.js';
import { gatewayConfig, createConversation, endpoints, gateways, token, uniqueName, users } from './support.js';

const worker = () => inject('services').find((s) => s.kind === 'receipts-worker')!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let client: cassandra.Client;
let store: WatermarkStore;
beforeAll(async () => {
  const e = endpoints();
  client = new cassandra.Client({ contactPoints: e.cassandra.contactPoints, localDataCenter: e.cassandra.localDataCenter });
  store = new WatermarkStore(client, 'chatlab');
});
afterAll(async () => {
  await client.shutdown();
});

const open: TestSocket[] = [];
async function as(user: string, gateway: string): Promise<TestSocket> {
  const s = await connect(gateway, token(user));
  open.push(s);
  return s;
}
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

/** Rising Snowflake-shaped ids (beyond 2^53: compared as strings by the Lua, as bigints here). */
function risingIds(n: number): string[] {
  const base = BigInt(new SnowflakeGenerator({ workerId: 1 }).tryNextSync()!);
  return Array.from({ length: n }, (_, i) => (base + BigInt(i) * 7n).toString());
}

async function storedWatermark(conversationId: string, userId: string, want: string, timeoutMs = 15_000): Promise<string | undefined> {
  const until = Date.now() + timeoutMs;
  let got: string | undefined;
  while (Date.now() < until) {
    got = (await store.read(conversationId)).get(userId);
    if (got === want) return got;
    await sleep(200);
  }
  return got;
}

const gatewaySum = async (name: string) => (await Promise.all(gateways().map((g) => scrapeMetric(g, name)))).reduce((a, b) => a + b, 0);

describe('read receipts: write-back (the stack default)', () => {
  it('500 reads for rising ids end as the last id in Cassandra with far fewer writes; the other member gets receipts', async () => {
    const [g1, g2] = gateways() as [string, string];
    const [reader, other] = users('rcpt', 2) as [string, string];
    const conv = (await createConversation(g1, reader, [reader, other])).body.conversationId;
    const sr = await as(reader, g1);
    const so = await as(other, g2);
    const before = { reads: await gatewaySum('chatlab_receipt_updates_total'), writes: await scrapeMetric(worker().url, 'chatlab_receipt_db_writes_total') };

    const ids = risingIds(500);
    // 50 frames every 300 ms: within the per-socket rate limit (200/s, burst 400)
    for (let i = 0; i < ids.length; i += 50) {
      for (const id of ids.slice(i, i + 50)) sr.send({ type: 'read', conversationId: conv, messageId: id });
      await sleep(300);
    }
    const last = ids.at(-1)!;
    expect(await storedWatermark(conv, reader, last)).toBe(last);
    const receipts = await so.waitFor((f) => f.type === 'receipt' && f.messageId === last, 5000, 'the last receipt');
    expect(receipts).toMatchObject({ conversationId: conv, userId: reader });

    const reads = (await gatewaySum('chatlab_receipt_updates_total')) - before.reads;
    const writes = (await scrapeMetric(worker().url, 'chatlab_receipt_db_writes_total')) - before.writes;
    const frames = so.frames.filter((f) => f.type === 'receipt');
    console.log(`receipts write-back: ${reads} read frames → ${writes} Cassandra writes (${(reads / writes).toFixed(1)}:1); ${frames.length} receipt frames to the other member`);
    expect(reads).toBe(500);
    expect(writes).toBeGreaterThan(0);
    expect(writes).toBeLessThanOrEqual(reads / 20);
    // throttled per conversation (one round per 200 ms at most), rising, never below an earlier one
    expect(frames.length).toBeLessThan(50);
    const seen = frames.map((f) => BigInt(f.messageId));
    expect([...seen].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))).toEqual(seen);
    // a reader is not told their own watermark
    expect(sr.frames.filter((f) => f.type === 'receipt')).toHaveLength(0);
  });

  it('a lower id never lowers the watermark', async () => {
    const [g1] = gateways() as [string];
    const [reader, other] = users('rcptlow', 2) as [string, string];
    const conv = (await createConversation(g1, reader, [reader, other])).body.conversationId;
    const sr = await as(reader, g1);
    const [low, high] = risingIds(2) as [string, string];
    sr.send({ type: 'read', conversationId: conv, messageId: high });
    sr.send({ type: 'read', conversationId: conv, messageId: low });
    expect(await storedWatermark(conv, reader, high)).toBe(high);
    await sleep(1200); // two more flush intervals
    expect((await store.read(conv)).get(reader)).toBe(high);
  });

  it('a crash of the receipts worker loses no watermark Redis held: leftovers are flushed on start', async () => {
    const stateDir = inject('stateDir');
    const [g1] = gateways() as [string];
    const [reader, other, third] = users('rcptcrash', 3) as [string, string, string];
    const conv = (await createConversation(g1, reader, [reader, other])).body.conversationId;
    const conv2 = (await createConversation(g1, third, [third, other])).body.conversationId;
    const redis = new Redis(endpoints().redis.url);
    const keys = redisKeys('');
    try {
      await stopService(stateDir, worker().name, 'kill');
      const sr = await as(reader, g1);
      const [, id] = risingIds(2) as [string, string];
      sr.send({ type: 'read', conversationId: conv, messageId: id });
      // and one entry the dead worker had taken but not written (its processing set)
      await redis.hset(keys.receiptWatermarks(conv2), third, id);
      await redis.sadd(keys.receiptProcessing(worker().name), receiptEntry(conv2, third));
      await sleep(500);
      expect(await redis.sismember(keys.receiptDirty, receiptEntry(conv, reader))).toBe(1);
      expect((await store.read(conv)).get(reader)).toBeUndefined();
      await startService(stateDir, worker().name);
      expect(await storedWatermark(conv, reader, id)).toBe(id);
      expect(await storedWatermark(conv2, third, id)).toBe(id);
      expect(await redis.exists(keys.receiptProcessing(worker().name))).toBe(0);
    } finally {
      await startService(stateDir, worker().name);
      redis.disconnect();
    }
  });
});

describe('read receipts: write-through (gateway option)', () => {
  let gw: RunningGateway | undefined;
  afterAll(async () => {
    await gw?.shutdown();
  });

  it('writes Cassandra once per read, counted by the gateway', async () => {
    const config = gatewayConfig('gw-wt', { receipts: 'write-through' });
    gw = await startGateway(config);
    const url = `http://127.0.0.1:${gw.port}`;
    const [reader, other] = users('rcptwt', 2) as [string, string];
    const conv = (await createConversation(url, reader, [reader, other])).body.conversationId;
    const sr = await as(reader, url);
    const so = await as(other, gateways()[0]!);
    const ids = risingIds(50);
    for (const id of ids) sr.send({ type: 'read', conversationId: conv, messageId: id });
    const last = ids.at(-1)!;
    await so.waitFor((f) => f.type === 'receipt' && f.messageId === last, 5000, 'the last receipt');
    expect(await storedWatermark(conv, reader, last)).toBe(last);
    const reads = await scrapeMetric(url, 'chatlab_receipt_updates_total');
    const writes = await scrapeMetric(url, 'chatlab_receipt_db_writes_total');
    console.log(`receipts write-through: ${reads} read frames → ${writes} Cassandra writes`);
    expect(reads).toBe(50);
    expect(writes).toBe(50);
  });
});

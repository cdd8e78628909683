import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseServiceConfig, snowflakeFromTime, type Message, type ServiceConfig } from '../../src/core/index.js';
import { ensureKeyspace, ensureTopics } from '../../src/infra/index.js';
import {
  MESSAGE_BUCKET_MS,
  MessageStore,
  tableDdl,
  createCassandraClient,
  definePublishScript,
  publishMessage,
  readHistory,
  redisKeys,
  type CassandraClient,
} from '../../src/store/index.js';
import { startPersistWorker, type StartedPersistWorker } from '../../src/workers/index.js';
import { endpoints, uniqueName } from './support.js';

const DAY = MESSAGE_BUCKET_MS;
const t0 = Date.now();
const FROM = t0 - 4 * DAY;

/** A message minted at `ms`; `seq` (< 4096) keeps ids of the same ms distinct and ordered. */
function message(conversationId: string, ms: number, seq: number): Message {
  const messageId = (BigInt(snowflakeFromTime(ms)) + BigInt(seq)).toString();
  return { conversationId, messageId, senderId: 'u1', clientMsgId: `cm-${messageId}`, body: `body ${seq} @${ms}`, sentAt: ms };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('persist worker: Kafka chat.messages → Cassandra, idempotent and at-least-once', () => {
  const e = endpoints();
  const keyspace = uniqueName('it_persist');
  const topic = uniqueName('it.persist');
  const groupId = uniqueName('it-persist');
  let config: ServiceConfig;
  let client: CassandraClient;
  let store: MessageStore;
  let producer: Producer;
  const workers: StartedPersistWorker[] = [];

  const send = (records: Array<Message | string>) =>
    producer.send({
      topic,
      messages: records.map((r) => (typeof r === 'string' ? { key: 'junk', value: r } : { key: r.conversationId, value: JSON.stringify(r) })),
    });
  const rowCount = async () => Number((await client.execute(`SELECT COUNT(*) AS n FROM ${keyspace}.messages`)).first()?.['n']);
  const start = async () => {
    const w = await startPersistWorker(config, { lagIntervalMs: 300, log: () => {} });
    workers.push(w);
    return w;
  };
  const all = async (conv: string) => (await store.after(conv, '0', 500, { fromMs: FROM })).messages;

  beforeAll(async () => {
    await Promise.all([ensureKeyspace(e, keyspace), ensureTopics(e.kafka.brokers, { [topic]: 3 })]);
    config = parseServiceConfig({
      name: 'persist-it',
      kind: 'persist-worker',
      port: 0,
      redisUrl: e.redis.url,
      kafkaBrokers: e.kafka.brokers,
      cassandra: e.cassandra,
      keyspace,
      topics: { messages: topic },
      secret: 'x'.repeat(32),
      options: { groupId },
    });
    client = createCassandraClient(e.cassandra);
    await client.connect();
    store = new MessageStore(client, keyspace);
    producer = new Kafka({ clientId: 'persist-it', brokers: e.kafka.brokers, logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
  });

  afterAll(async () => {
    for (const w of workers) await w.stop();
    await producer?.disconnect();
    await client?.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => {});
    await client?.shutdown();
  });

  // Three conversations; c1 spans three day buckets, so reads have to walk buckets.
  const c1 = uniqueName('c1');
  const c2 = uniqueName('c2');
  const c3 = uniqueName('c3');
  const first: Message[] = [
    ...Array.from({ length: 10 }, (_, i) => message(c1, t0 - 2 * DAY, i)),
    ...Array.from({ length: 10 }, (_, i) => message(c1, t0 - DAY, i)),
    ...Array.from({ length: 10 }, (_, i) => message(c1, t0 - 1000, i)),
    ...Array.from({ length: 12 }, (_, i) => message(c2, t0 - 500, i)),
    ...Array.from({ length: 8 }, (_, i) => message(c3, t0 - 200, i)),
  ];
  const sorted = (ms: Message[]) => [...ms].sort((a, b) => (BigInt(a.messageId) < BigInt(b.messageId) ? -1 : 1));

  it('persists every record once, skips malformed ones, and reads back in id order', async () => {
    // Duplicates (a producer retry looks like this) inside and across batches, plus junk.
    await send(first);
    await send([first[3]!, first[25]!, 'not json', JSON.stringify({ conversationId: c1 })]);
    await send(first.slice(0, 5));
    const w = await start();
    expect(w.healthy()).toBe(true);

    await waitFor('all 50 rows', async () => (await rowCount()) >= first.length && w.stats.rejected === 2);
    // Lag 0 = every record's offset committed, which the worker does only after writing it.
    await waitFor('lag to reach 0', async () => w.stats.lag === 0);
    expect(await rowCount()).toBe(first.length);
    expect(w.stats.rejected).toBe(2);
    expect(w.stats.writeFailing).toBe(false);
    // Duplicates within one fetched batch are written once, across batches again (harmlessly).
    expect(w.stats.persisted).toBeGreaterThanOrEqual(first.length);
    expect(w.stats.persisted).toBeLessThanOrEqual(first.length + 7);
    const metrics = await w.registry.metrics();
    expect(metrics).toContain(`chatlab_persisted_total{service="persist-it"} ${w.stats.persisted}`);
    expect(metrics).toContain('chatlab_persist_rejected_total{service="persist-it"} 2');
    expect(metrics).toContain('chatlab_persist_lag{service="persist-it"} 0');

    for (const conv of [c1, c2, c3]) {
      const got = await all(conv);
      expect(got).toEqual(sorted(first.filter((m) => m.conversationId === conv)));
    }
    // Without fromMs a read from the start walks every day since the Snowflake epoch.
    expect((await store.after(c1, '0', 500)).messages).toHaveLength(30);
  });

  it('pages with limit/hasMore across buckets, strictly after the given id', async () => {
    const expected = sorted(first.filter((m) => m.conversationId === c1)).map((m) => m.messageId);
    const pages: string[][] = [];
    let after = '0';
    for (;;) {
      const page = await store.after(c1, after, 7, { fromMs: FROM });
      pages.push(page.messages.map((m) => m.messageId));
      if (!page.hasMore) break;
      expect(page.messages).toHaveLength(7);
      after = page.messages.at(-1)!.messageId;
    }
    expect(pages.map((p) => p.length)).toEqual([7, 7, 7, 7, 2]);
    expect(pages.flat()).toEqual(expected);

    const tail = await store.after(c1, expected[5]!, 500);
    expect(tail.messages.map((m) => m.messageId)).toEqual(expected.slice(6));
    expect(tail.hasMore).toBe(false);
    // Exactly `limit` left: a full page and nothing more.
    const last = await store.after(c1, expected[19]!, 10);
    expect(last.messages.map((m) => m.messageId)).toEqual(expected.slice(20));
    expect(last.hasMore).toBe(false);
    expect((await store.after(c1, expected.at(-1)!, 10)).messages).toEqual([]);
  });

  it('after a restart, resumes from committed offsets: new records persisted, none re-read', async () => {
    await workers[0]!.stop();
    expect(workers[0]!.healthy()).toBe(false);
    const more = Array.from({ length: 15 }, (_, i) => message(i % 2 ? c2 : c3, t0 - 100, 100 + i));
    await send(more);
    await send([more[0]!]);

    const w = await start();
    await waitFor('the new rows', async () => (await rowCount()) >= first.length + more.length);
    await waitFor('lag to reach 0', async () => w.stats.lag === 0);
    // Only the 16 records produced while it was down were read: the first 57 were committed.
    expect(w.stats.persisted).toBeGreaterThanOrEqual(more.length);
    expect(w.stats.persisted).toBeLessThanOrEqual(more.length + 1);
    expect(w.stats.rejected).toBe(0);
    expect(await rowCount()).toBe(first.length + more.length);
    for (const conv of [c2, c3]) {
      expect(await all(conv)).toEqual(sorted([...first, ...more].filter((m) => m.conversationId === conv)));
    }
  });

  it('readHistory merges Cassandra with the recent stream, de-duplicated and in id order', async () => {
    const conv = uniqueName('hist');
    const keys = redisKeys(`${uniqueName('it')}:`);
    const key = keys.recent(conv);
    // minted now: a new stream refuses an id minted over a second ago (a send replayed after a Redis loss)
    const msgs = Array.from({ length: 8 }, (_, i) => message(conv, Date.now() - 50, i));
    // 0..4 only in Cassandra... 3,4 in both, 5..7 only in the stream (not yet persisted).
    await store.insertMany(msgs.slice(0, 5));
    const redis = new Redis(e.redis.url);
    try {
      // into the stream the way a gateway's send puts them there (no channels: nobody listens)
      definePublishScript(redis);
      for (const m of msgs.slice(3)) await publishMessage(redis, keys, { message: m, origin: 'it', channels: [], dedupeTtlSec: 60 });
      const base = { store, redis, recentKey: key, conversationId: conv, fromMs: t0 - DAY };
      const ids = (ms: Message[]) => ms.map((m) => m.messageId);

      const whole = await readHistory({ ...base, after: '0', limit: 100 });
      expect(whole.messages).toEqual(msgs);
      expect(whole.hasMore).toBe(false);

      const head = await readHistory({ ...base, after: '0', limit: 3 });
      expect(ids(head.messages)).toEqual(ids(msgs.slice(0, 3)));
      expect(head.hasMore).toBe(true);

      const middle = await readHistory({ ...base, after: msgs[1]!.messageId, limit: 4 });
      expect(ids(middle.messages)).toEqual(ids(msgs.slice(2, 6)));
      expect(middle.hasMore).toBe(true);

      const rest = await readHistory({ ...base, after: msgs[4]!.messageId, limit: 3 });
      expect(ids(rest.messages)).toEqual(ids(msgs.slice(5)));
      expect(rest.hasMore).toBe(false);
    } finally {
      await redis.del(key, ...msgs.map((m) => `${key}:dedupe:${m.clientMsgId}`));
      redis.disconnect();
    }
  });

  it('holds offsets and retries while Cassandra rejects writes, then catches up with nothing lost', async () => {
    // A missing table makes every write fail the way an unreachable Cassandra does, on the
    // shared stack, without restarting it; the worker must neither skip nor commit.
    const ks = uniqueName('it_persist_down');
    const t = uniqueName('it.persist.down');
    await Promise.all([ensureKeyspace(e, ks), ensureTopics(e.kafka.brokers, { [t]: 2 })]);
    await client.execute(`DROP TABLE ${ks}.messages`);
    const w = await startPersistWorker({ ...config, keyspace: ks, topics: { messages: t }, options: { groupId: uniqueName('it-down') } }, { lagIntervalMs: 300, log: () => {} });
    workers.push(w);
    try {
      const conv = uniqueName('down');
      const msgs = Array.from({ length: 20 }, (_, i) => message(conv, t0 - 10, i));
      await producer.send({ topic: t, messages: msgs.map((m) => ({ key: m.conversationId, value: JSON.stringify(m) })) });
      await waitFor('write failures', async () => w.stats.writeFailures >= 2 && w.stats.lag === msgs.length);
      expect(w.stats.writeFailing).toBe(true);
      expect(w.stats.persisted).toBe(0);
      expect(w.healthy()).toBe(true);

      await client.execute(tableDdl(ks)[0]!);
      await waitFor('the worker to catch up', async () => w.stats.lag === 0, 90_000);
      expect(w.stats.writeFailing).toBe(false);
      expect(w.stats.persisted).toBe(msgs.length);
      expect((await new MessageStore(client, ks).after(conv, '0', 100, { fromMs: FROM })).messages).toEqual(msgs);
    } finally {
      await w.stop();
      await client.execute(`DROP KEYSPACE IF EXISTS ${ks}`).catch(() => {});
    }
  });

  it('runs as a process: ready line, /healthz, /metrics, exit 0 on SIGTERM', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'persist-it-'));
    const file = path.join(dir, 'persist.json');
    const t = uniqueName('it.persist.proc');
    await ensureTopics(e.kafka.brokers, { [t]: 1 });
    fs.writeFileSync(file, JSON.stringify({ ...config, name: 'persist-proc', topics: { messages: t }, options: { groupId: uniqueName('it-proc') } }));
    const child = spawn(process.execPath, ['dist/src/workers/persist/main.js', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      await waitFor('the ready line', async () => stdout.includes('\n') || child.exitCode !== null);
      const ready = JSON.parse(stdout.split('\n')[0]!) as { ready: boolean; url: string; kind: string };
      expect(ready, stderr).toMatchObject({ ready: true, kind: 'persist-worker', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
      const health = await fetch(`${ready.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });

      const conv = uniqueName('proc');
      const msgs = Array.from({ length: 3 }, (_, i) => message(conv, t0 - 5, i));
      await producer.send({ topic: t, messages: msgs.map((m) => ({ key: conv, value: JSON.stringify(m) })) });
      await waitFor('persisted_total 3 on /metrics', async () =>
        (await (await fetch(`${ready.url}/metrics`)).text()).includes('chatlab_persisted_total{service="persist-proc"} 3'),
      );
      expect((await store.after(conv, '0', 10, { fromMs: FROM })).messages).toEqual(msgs);

      child.kill('SIGTERM');
      expect(await exited, stderr).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

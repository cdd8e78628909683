import fs from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { createRng, type ServiceConfig } from '../../src/core/index.js';
import { startGateway, type RunningGateway } from '../../src/gateway/index.js';
import { PresenceModel, parsePresenceOptions } from '../../src/presence/index.js';
import { PresenceScripts, redisKeys } from '../../src/store/index.js';
import { freePort } from '../../src/infra/index.js';
import { launchService } from '../../src/stack/index.js';
import { serviceConfigFile } from '../../src/stack/index.js';
import { connect, scrapeMetric, type TestSocket } from '../support/ws-client.js';
import { gatewayConfig, createConversation, endpoints, gateways, token, uniqueName, users } from './support.js';

// The stack runs the presence server with its defaults (stated in src/presence/options.ts).
const { ttlMs: TTL, flapWindowMs: WINDOW, refreshMs: REFRESH } = parsePresenceOptions({});
const presenceUrl = () => inject('services').find((s) => s.kind === 'presence')!.url;

const open: TestSocket[] = [];
const timers: NodeJS.Timeout[] = [];
async function as(user: string, gateway: string, heartbeatMs = 0): Promise<TestSocket> {
  const s = await connect(gateway, token(user));
  open.push(s);
  // Clients heartbeat; one that does not is taken for a zombie after the TTL.
  if (heartbeatMs > 0) timers.push(setInterval(() => s.ws.readyState === s.ws.OPEN && s.send({ type: 'heartbeat' }), heartbeatMs));
  return s;
}
afterEach(() => {
  for (const t of timers.splice(0)) clearInterval(t);
  for (const s of open.splice(0)) s.close();
});

const presenceOf = (user: string, status: string) => (f: any) => f.type === 'presence' && f.userId === user && f.status === status;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function friends(): Promise<[string, string]> {
  const [a, b] = users('pres', 2) as [string, string];
  expect((await createConversation(gateways()[0]!, a, [a, b])).status).toBe(201);
  return [a, b];
}

describe('presence: stack', () => {
  it('chatlab up runs the presence server and the receipts worker with /healthz and /metrics', async () => {
    for (const kind of ['presence', 'receipts-worker'] as const) {
      const svc = inject('services').find((s) => s.kind === kind);
      expect(svc, kind).toBeDefined();
      expect((await fetch(`${svc!.url}/healthz`)).status).toBe(200);
    }
    const text = await (await fetch(`${presenceUrl()}/metrics`)).text();
    for (const name of ['chatlab_presence_events_total', 'chatlab_presence_redis_writes_total', 'chatlab_presence_notifications_total', 'chatlab_presence_fanout_seconds']) expect(text).toContain(name);
  });
});

describe('presence: the Lua scripts follow the model', () => {
  it('agree with PresenceModel on a random sequence of events, sweeps and claims', async () => {
    const redis = new Redis(endpoints().redis.url);
    const scripts = new PresenceScripts(redis, redisKeys(`${uniqueName('pm')}:`), 2000);
    const model = new PresenceModel(2000);
    const rng = createRng(42);
    let now = 1_000_000;
    try {
      for (let step = 0; step < 400; step++) {
        now += Math.floor(rng.next() * 1500);
        const user = `u${Math.floor(rng.next() * 3)}`;
        const socket = `s${Math.floor(rng.next() * 3)}`;
        const roll = rng.next();
        if (roll < 0.5) {
          const [got] = await scripts.run([{ op: 'touch', userId: user, socketId: socket, at: now }]);
          const { kind: _k, ...rest } = got as { kind: string };
          expect(rest, `step ${step} touch`).toEqual(model.touch(user, socket, now));
        } else if (roll < 0.8) {
          const sweep = roll > 0.7;
          const p = sweep ? { due: now, maxScore: now - 3000 } : { at: now, due: now + 1000 };
          const [got] = await scripts.run([{ op: 'leave', userId: user, socketId: socket, ...p }]);
          const { kind: _k, ...rest } = got as { kind: string };
          expect(rest, `step ${step} leave`).toEqual(model.leave(user, socket, p));
        } else {
          const due = (await scripts.dueOffline(now)).map((d) => d.userId).sort();
          expect(due, `step ${step} due`).toEqual(model.dueOffline(now).sort());
          const won = await scripts.claim(due);
          expect(won, `step ${step} claim`).toEqual(due.map((u) => ({ userId: u, at: model.claim(u) })).filter((w) => w.at !== null));
        }
      }
    } finally {
      redis.disconnect();
    }
  });
});

describe('presence: decoupled (the stack default)', () => {
  it('a friend online sees online at once and offline one flap window after the close', async () => {
    const [g1, g2] = gateways() as [string, string];
    const [a, b] = await friends();
    // the stack is shared: let sweeps of sockets other test files left behind (a gateway killed
    // -9 leaves its users to the TTL sweep) finish before counting this test's writes
    for (let quiet = 0, last = -1, tries = 0; quiet < 3 && tries < 40; tries++) {
      const now = await scrapeMetric(presenceUrl(), 'chatlab_presence_redis_writes_total');
      quiet = now === last ? quiet + 1 : 0;
      last = now;
      await sleep(1000);
    }
    const before = {
      events: await scrapeMetric(presenceUrl(), 'chatlab_presence_events_total'),
      writes: await scrapeMetric(presenceUrl(), 'chatlab_presence_redis_writes_total'),
      notes: await scrapeMetric(presenceUrl(), 'chatlab_presence_notifications_total'),
    };
    const sb = await as(b, g1, 1000);
    await sleep(300); // b is online before a arrives
    const t0 = Date.now();
    const sa = await as(a, g2);
    const online = await sb.waitFor(presenceOf(a, 'online'), 5000, 'online');
    const onlineMs = Date.now() - t0;
    expect(onlineMs).toBeLessThan(3000);
    expect(online.at).toBeGreaterThanOrEqual(t0 - 50);
    for (let i = 0; i < 10; i++) sa.send({ type: 'heartbeat' });
    await sleep(200);
    sa.close();
    const t1 = Date.now();
    const offline = await sb.waitFor(presenceOf(a, 'offline'), WINDOW + 5000, 'offline');
    const took = Date.now() - t1;
    console.log(`presence: friend saw online ${onlineMs} ms after the connect began; offline ${took} ms after the close (flap window ${WINDOW} ms)`);
    expect(took).toBeGreaterThanOrEqual(WINDOW - 100);
    expect(took).toBeLessThan(WINDOW + 3000);
    expect(offline.at).toBeGreaterThanOrEqual(t1 - 50);
    // counted by the presence server: b's connect, a's connect + 10 heartbeats + disconnect
    expect((await scrapeMetric(presenceUrl(), 'chatlab_presence_events_total')) - before.events).toBeGreaterThanOrEqual(13);
    // lazy: the 10 heartbeats a moment after the connect wrote nothing
    expect((await scrapeMetric(presenceUrl(), 'chatlab_presence_redis_writes_total')) - before.writes).toBeLessThan(8);
    expect((await scrapeMetric(presenceUrl(), 'chatlab_presence_notifications_total')) - before.notes).toBeGreaterThanOrEqual(2);
  });

  it('a reconnect within the flap window is announced to nobody; two sockets keep a user online', async () => {
    const [g1, g2] = gateways() as [string, string];
    const [a, b] = await friends();
    const sb = await as(b, g1, 1000);
    await sleep(300);
    const first = await as(a, g1);
    await sb.waitFor(presenceOf(a, 'online'));
    first.close();
    await first.closed;
    await as(a, g2); // back within the window, on another gateway
    const second = await as(a, g1); // and a second socket
    await sleep(WINDOW + 1500);
    second.close();
    await sleep(WINDOW + 1500);
    expect(sb.frames.filter(presenceOf(a, 'offline'))).toHaveLength(0);
    expect(sb.frames.filter(presenceOf(a, 'online'))).toHaveLength(1);
  });

  it('a killed gateway leaves zombies: the sweep marks its users offline after the TTL', async () => {
    const stateDir = inject('stateDir');
    // A gateway of our own to kill, so the stack's gateways stay as the other test files expect.
    const name = uniqueName('gw-zombie');
    const template = JSON.parse(fs.readFileSync(serviceConfigFile(stateDir, 'gateway-1'), 'utf8'));
    fs.writeFileSync(serviceConfigFile(stateDir, name), JSON.stringify({ ...template, name, port: await freePort() }));
    const { proc, record } = await launchService(stateDir, name, 'gateway');
    try {
      const [g1] = gateways() as [string];
      const [a, b] = await friends();
      const sb = await as(b, g1, 1000);
      await sleep(300);
      const sa = await as(a, record.url, 1000);
      await sb.waitFor(presenceOf(a, 'online'));
      await sleep(1500);
      // kill -9: no close frames, no disconnect events; a's client just loses its socket
      process.kill(proc.pid, 'SIGKILL');
      const killedAt = Date.now();
      await sa.closed;
      await sleep(WINDOW + 1500);
      expect(sb.frames.filter(presenceOf(a, 'offline'))).toHaveLength(0); // nobody told the presence server
      const offline = await sb.waitFor(presenceOf(a, 'offline'), TTL + 10_000, 'offline after the TTL');
      const took = Date.now() - killedAt;
      console.log(`presence: zombie offline ${took} ms after kill -9 of its gateway (TTL ${TTL} ms, lazy refresh ${REFRESH} ms)`);
      // the stored last-seen may be up to REFRESH (+ a heartbeat) older than the kill
      expect(took).toBeGreaterThanOrEqual(TTL - REFRESH - 1500);
      expect(took).toBeLessThan(TTL + 5000);
      expect(offline.at).toBeLessThanOrEqual(killedAt);
    } finally {
      if (!proc.exited()) process.kill(proc.pid, 'SIGKILL');
      await proc.waitExit();
      fs.rmSync(serviceConfigFile(stateDir, name), { force: true });
    }
  });
});

describe('presence: inline (the gateway fans out on the chat path)', () => {
  let inline: RunningGateway | undefined;
  afterAll(async () => {
    await inline?.shutdown();
  });

  it('announces online and offline itself, and counts what it handled', async () => {
    const config = gatewayConfig('gw-inline', { presence: 'inline' });
    inline = await startGateway(config);
    const url = `http://127.0.0.1:${inline.port}`;
    const [g1] = gateways() as [string];
    const [a, b] = await friends();
    const serverBefore = await scrapeMetric(presenceUrl(), 'chatlab_presence_notifications_total');
    const sb = await as(b, g1, 1000);
    await sleep(300);
    const sa = await as(a, url);
    await sb.waitFor(presenceOf(a, 'online'));
    sa.close();
    const t1 = Date.now();
    await sb.waitFor(presenceOf(a, 'offline'), WINDOW + 5000);
    expect(Date.now() - t1).toBeGreaterThanOrEqual(WINDOW - 100);
    expect(await scrapeMetric(url, 'chatlab_presence_notifications_total')).toBe(2);
    expect(await scrapeMetric(url, 'chatlab_presence_events_total')).toBe(2);
    // the presence server announced none of a's changes (b's own online had no friend online)
    expect(await scrapeMetric(presenceUrl(), 'chatlab_presence_notifications_total')).toBe(serverBefore);
  });
});

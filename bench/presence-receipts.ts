/**
 * Write reduction of lazy presence and of receipt write-back, on a running stack,
 * each beside its comparison variant on one extra gateway (presence=inline,
 * receipts=write-through) that this script starts and stops.
 *
 *   npm run build && node dist/bench/presence-receipts.js --state-dir DIR        (stack already up)
 *   node dist/bench/presence-receipts.js --up --state-dir DIR                    (starts and stops one)
 *
 * Presence: --users sockets heartbeat every --heartbeat-ms for --presence-sec, then close.
 * Receipts: --readers users each send --read-rate `read` frames/s (rising ids) for --receipts-sec.
 * Counts are deltas of the processes' own /metrics, so run it on an otherwise idle stack.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { MetricNames, SnowflakeGenerator, defaultStateDir, mapLimited, packageRoot, signToken } from '../src/core/index.js';
import { freePort } from '../src/infra/index.js';
import { launchService, readState } from '../src/stack/index.js';
import { serviceConfigFile } from '../src/stack/index.js';
import { seedStack } from '../src/stack/index.js';

const { values: flags } = parseArgs({
  options: {
    'state-dir': { type: 'string' },
    up: { type: 'boolean', default: false },
    infra: { type: 'string', default: 'native' },
    users: { type: 'string', default: '500' },
    friends: { type: 'string', default: '4' },
    'heartbeat-ms': { type: 'string', default: '1000' },
    'presence-sec': { type: 'string', default: '20' },
    readers: { type: 'string', default: '100' },
    'read-rate': { type: 'string', default: '10' },
    'receipts-sec': { type: 'string', default: '10' },
  },
  strict: true,
});
const num = (k: keyof typeof flags) => Number(flags[k]);
const stateDir = path.resolve(flags['state-dir'] ?? defaultStateDir());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const chatlab = (args: string[]) => spawnSync(process.execPath, [path.join(packageRoot(), 'bin', 'chatlab'), '--state-dir', stateDir, ...args], { stdio: ['ignore', 'inherit', 'inherit'] }).status;

/** Prometheus text → name{labels} → value, summed over label sets per bare name too. */
async function scrape(url: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const line of (await (await fetch(`${url}/metrics`)).text()).split('\n')) {
    const m = /^([a-z_]+)(\{[^}]*\})?\s+([0-9.eE+-]+)$/.exec(line);
    if (!m) continue;
    out.set(m[1]!, (out.get(m[1]!) ?? 0) + Number(m[3]));
    const le = /le="([^"]+)"/.exec(m[2] ?? '');
    if (le) out.set(`${m[1]}@${le[1]}`, Number(m[3]));
  }
  return out;
}
const delta = (a: Map<string, number>, b: Map<string, number>, name: string) => (b.get(name) ?? 0) - (a.get(name) ?? 0);
async function scrapeAll(urls: string[]): Promise<Map<string, number>> {
  const sum = new Map<string, number>();
  for (const m of await Promise.all(urls.map(scrape))) for (const [k, v] of m) sum.set(k, (sum.get(k) ?? 0) + v);
  return sum;
}

/** Upper bound of the bucket holding quantile q of a histogram's delta (ms). */
function quantileMs(a: Map<string, number>, b: Map<string, number>, name: string, q: number): string {
  const bounds = [...b.keys()].filter((k) => k.startsWith(`${name}_bucket@`)).map((k) => k.split('@')[1]!).filter((le) => le !== '+Inf').map(Number).sort((x, y) => x - y);
  const total = delta(a, b, `${name}_count`);
  if (total <= 0) return '-';
  for (const le of bounds) if (delta(a, b, `${name}_bucket@${le}`) >= q * total) return `≤${le * 1000}`;
  return `>${(bounds.at(-1) ?? 0) * 1000}`;
}

async function openSockets(urls: string[], users: string[], secret: string, onFrame: (f: any) => void): Promise<WebSocket[]> {
  return mapLimited(
    users,
    50,
    (u, i) =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(`${urls[i % urls.length]!.replace(/^http/, 'ws')}/v1/ws`, { headers: { authorization: `Bearer ${signToken(u, secret)}` } });
        ws.on('message', (d) => onFrame(JSON.parse(d.toString())));
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      }),
  );
}

interface Row {
  [k: string]: string | number;
}

async function presenceRun(variant: string, urls: string[], metricsUrls: string[], users: string[], secret: string): Promise<Row> {
  const before = await scrapeAll(metricsUrls);
  let frames = 0;
  const sockets = await openSockets(urls, users, secret, (f) => f.type === 'presence' && frames++);
  const hb = JSON.stringify({ type: 'heartbeat' });
  // one timer for all sockets (docs/architecture.md#measuring): no timer per connection
  const timer = setInterval(() => sockets.forEach((s) => s.readyState === s.OPEN && s.send(hb)), num('heartbeat-ms'));
  await sleep(num('presence-sec') * 1000);
  clearInterval(timer);
  for (const s of sockets) s.close();
  await sleep(4000); // flap window + the last offline announcements
  const after = await scrapeAll(metricsUrls);
  const events = delta(before, after, MetricNames.presenceEvents);
  const writes = delta(before, after, MetricNames.presenceRedisWrites);
  return {
    variant,
    users: users.length,
    'events handled': events,
    'redis writes': writes,
    'events / write': (events / Math.max(1, writes)).toFixed(1),
    'frames published': delta(before, after, MetricNames.presenceNotifications),
    'frames received': frames,
    'fan-out p50 ms': quantileMs(before, after, MetricNames.presenceFanout, 0.5),
    'fan-out p99 ms': quantileMs(before, after, MetricNames.presenceFanout, 0.99),
  };
}

async function receiptsRun(variant: string, urls: string[], readsFrom: string[], writesFrom: string[], readers: Array<[string, string]>, secret: string): Promise<Row> {
  const [b1, b2] = await Promise.all([scrapeAll(readsFrom), scrapeAll(writesFrom)]);
  const sockets = await openSockets(urls, readers.map(([u]) => u), secret, () => {});
  let id = BigInt(new SnowflakeGenerator({ workerId: 2 }).tryNextSync()!);
  const start = Date.now();
  const timer = setInterval(() => {
    sockets.forEach((s, i) => s.readyState === s.OPEN && s.send(JSON.stringify({ type: 'read', conversationId: readers[i]![1], messageId: (id += 1n).toString() })));
  }, 1000 / num('read-rate'));
  await sleep(num('receipts-sec') * 1000);
  clearInterval(timer);
  const secs = (Date.now() - start) / 1000;
  await sleep(2000); // the last flush
  for (const s of sockets) s.close();
  const [a1, a2] = await Promise.all([scrapeAll(readsFrom), scrapeAll(writesFrom)]);
  const reads = delta(b1, a1, MetricNames.receiptUpdates);
  const writes = delta(b2, a2, MetricNames.receiptDbWrites);
  return { variant, readers: readers.length, 'reads/s': (reads / secs).toFixed(0), 'read frames': reads, 'cassandra writes': writes, 'reads / write': (reads / Math.max(1, writes)).toFixed(1) };
}

function table(rows: Row[]): string {
  const cols = Object.keys(rows[0]!);
  return [`| ${cols.join(' | ')} |`, `| ${cols.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${cols.map((c) => r[c]).join(' | ')} |`)].join('\n');
}

async function main(): Promise<void> {
  let state = readState(stateDir);
  const startedHere = !state && flags.up;
  if (startedHere) {
    log(`starting a stack in ${stateDir}`);
    if (chatlab(['up', '--detach', '--infra', flags.infra!]) !== 0) throw new Error('chatlab up failed');
    state = readState(stateDir);
  }
  if (!state?.endpoints) throw new Error(`no running stack in ${stateDir} (start one, or pass --up)`);
  const svc = (kind: string) => state!.services.filter((s) => s.kind === kind);
  const gateways = svc('gateway').map((s) => s.url);
  const presenceUrl = svc('presence')[0]?.url;
  const receiptsUrl = svc('receipts-worker')[0]?.url;
  if (!presenceUrl || !receiptsUrl || gateways.length === 0) throw new Error('the stack runs no presence server, receipts worker or gateway');

  // The comparison variants on one extra gateway process, with gateway-1's config otherwise.
  const name = 'bench-variants';
  const config = JSON.parse(fs.readFileSync(serviceConfigFile(stateDir, svc('gateway')[0]!.name), 'utf8'));
  fs.writeFileSync(serviceConfigFile(stateDir, name), JSON.stringify({ ...config, name, port: await freePort(), options: { ...config.options, presence: 'inline', receipts: 'write-through' } }), { mode: 0o600 });
  const { proc, record } = await launchService(stateDir, name, 'gateway');
  try {
    const prefix = `pr${Date.now().toString(36)}`;
    log(`seeding ${num('users')} users with ${num('friends')} friends each`);
    const seeded = await seedStack(state.endpoints, state.keyspace ?? 'chatlab', { users: num('users'), friends: num('friends'), prefix, seed: 1 }, undefined, state.secret);
    const presence: Row[] = [];
    log(`presence: ${seeded.users.length} users heartbeating every ${num('heartbeat-ms')} ms for ${num('presence-sec')} s, decoupled`);
    presence.push(await presenceRun('decoupled', gateways, [presenceUrl], seeded.users, state.secret));
    log('presence: the same, inline');
    presence.push(await presenceRun('inline', [record.url], [record.url], seeded.users, state.secret));

    const readers = new Map<string, string>();
    for (const d of seeded.directs) if (readers.size < num('readers') && !readers.has(d.members[0])) readers.set(d.members[0], d.conversationId);
    const pairs = [...readers];
    const receipts: Row[] = [];
    log(`receipts: ${pairs.length} readers × ${num('read-rate')} reads/s for ${num('receipts-sec')} s, write-back`);
    receipts.push(await receiptsRun('write-back', gateways, gateways, [receiptsUrl], pairs, state.secret));
    log('receipts: the same, write-through');
    receipts.push(await receiptsRun('write-through', [record.url], [record.url], [record.url], pairs, state.secret));

    process.stdout.write(`\n## Presence: lazy writes (heartbeat every ${num('heartbeat-ms')} ms, ${num('presence-sec')} s)\n\n${table(presence)}\n`);
    process.stdout.write(`\n## Read receipts: write-back vs write-through (${num('read-rate')} reads/s per reader, ${num('receipts-sec')} s)\n\n${table(receipts)}\n`);
  } finally {
    await proc.stop(15_000);
    fs.rmSync(serviceConfigFile(stateDir, name), { force: true });
    if (startedHere) chatlab(['down']);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

/**
 * RSS per idle connection (bench/README.md, step 2): VmRSS of the servers before and after
 * connecting N idle sockets (cumulative over the levels), from forked load processes bound to
 * 127.0.0.2, .3, … so no source address runs out of ephemeral ports.
 */
import { readOpenFilesLimit, readRssBytes } from '../../src/core/index.js';
import type { ConnSpec, ConnectReply } from '../fanout-load.js';
import { spawnLoad, stopLoad } from './load-procs.js';
import type { FanoutOptions } from './options.js';
import { progress } from './output.js';
import type { Target } from './steps.js';
import { sleep } from './timing.js';

/** VmRSS in KiB, 0 for a process that is gone. */
const rssKb = (pid: number) => (readRssBytes(pid) ?? 0) / 1024;

export interface IdleResult {
  rows: IdleRow[];
  /** levels that would pass the servers' open-files limit */
  skipped: number[];
}

export interface IdleRow {
  n: number;
  serverKb: number;
  redisKb?: number;
  perServerKb: number[];
}

export async function runIdle(
  target: Target,
  rssPids: number[],
  redisPid: number | undefined,
  levels: number[],
  o: Pick<FanoutOptions, 'idlePerProc' | 'connsPerIp' | 'connectConcurrency'>,
): Promise<IdleResult> {
  const limit = Math.min(...rssPids.map((p) => readOpenFilesLimit(p) ?? 1024));
  const fits = levels.filter((n) => Math.ceil(n / rssPids.length) + 64 <= limit);
  const skipped = levels.filter((n) => !fits.includes(n));
  if (fits.length === 0) return { rows: [], skipped };
  const maxN = fits[fits.length - 1]!;
  const procs = await spawnLoad(Math.ceil(maxN / o.idlePerProc), target.secret);
  const G = target.urls.length;
  const tag = `idle${Date.now().toString(36)}`;
  await sleep(1000);
  const before = rssPids.map(rssKb);
  const redisBefore = redisPid ? rssKb(redisPid) : 0;
  const rows: IdleRow[] = [];
  let have = 0;
  for (const n of fits) {
    const specs: ConnSpec[][] = procs.map(() => []);
    for (let i = have; i < n; i++) {
      const user = `${tag}-${i}`;
      const base = target.urls[i % G]!;
      specs[i % procs.length]!.push({
        user,
        url: target.query ? `${base}${base.includes("?") ? "&" : "?"}user=${user}` : base,
        ...(target.protocol ? { protocol: target.protocol } : {}),
        localAddress: `127.0.0.${2 + Math.floor(i / o.connsPerIp)}`,
      });
    }
    const t0 = Date.now();
    const conn = await Promise.all(procs.map((p, k) => p.call<ConnectReply>({ cmd: 'connect', conns: specs[k]!, concurrency: Math.ceil(o.connectConcurrency / procs.length) })));
    const failed = conn.reduce((s, c) => s + c.failed, 0);
    if (failed > 0) throw new Error(`${target.name} idle: ${failed} connections failed, e.g. ${conn.find((c) => c.firstError)?.firstError}`);
    have = n;
    progress(`${target.name} idle: ${n} connected (${((Date.now() - t0) / 1000).toFixed(1)}s), settling`);
    await sleep(3000);
    const after = rssPids.map(rssKb);
    const perServerKb = after.map((a, i) => a - before[i]!);
    rows.push({ n, serverKb: perServerKb.reduce((s, x) => s + x, 0), perServerKb, redisKb: redisPid ? rssKb(redisPid) - redisBefore : undefined });
  }
  progress(`${target.name} idle: closing ${have} connections`);
  await stopLoad(procs);
  await sleep(2000);
  return { rows, skipped };
}

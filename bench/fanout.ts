/**
 * Fan-out benchmark (issue 3): two gateways of a running chatlab stack, 2,000 connections spread
 * evenly over them, 20 conversations of 100 members, ~150-byte bodies, stepped offered rates
 * (open model) from a separate load process. Then RSS per idle connection at 2k/10k/20k, and the
 * same workload against a plain `ws` server in one process, for scale.
 *
 *   npm run build && node dist/bench/fanout.js --state-dir /tmp/chatlab-bench      (stack already up)
 *   node dist/bench/fanout.js --up --state-dir /tmp/chatlab-bench                  (starts and stops one)
 *
 * See bench/README.md for every flag. Prints markdown tables; also writes them to
 * bench/results/fanout-<date>.txt (or --out FILE). This file runs the parts in order; each
 * part lives in bench/fanout/ (options, stack, steps, idle, baseline, cpu, tables, output).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../src/core/index.js';
import { seedStack } from '../src/stack/index.js';
import { killBaseline, startBaseline, stopBaseline } from './fanout/baseline.js';
import { cpuPercentOver } from './fanout/cpu.js';
import { runIdle, type IdleResult } from './fanout/idle.js';
import { stopAllLoad } from './fanout/load-procs.js';
import { parseFanoutOptions, type FanoutOptions } from './fanout/options.js';
import { emit, pct, progress, saveEmitted } from './fanout/output.js';
import { loadStack, stopStartedStack } from './fanout/stack.js';
import { runFanout, type Group, type StepResult, type Target } from './fanout/steps.js';
import { idleTable, stepTable, summaryTable } from './fanout/tables.js';

function wsUrl(httpUrl: string): string {
  return `${httpUrl.replace(/^http/, 'ws')}/v1/ws`;
}

let cleaningUp = false;
async function cleanup(): Promise<void> {
  if (cleaningUp) return;
  cleaningUp = true;
  await stopAllLoad();
  killBaseline();
  stopStartedStack();
}

async function main(o: FanoutOptions): Promise<void> {
  const state = loadStack(o);
  const gateways = state.services.filter((s) => s.kind === 'gateway');
  if (gateways.length === 0) throw new Error('the stack has no gateways');
  const pidOf = (name: string) => state.processes.find((p) => p.name === name)?.pid;
  const redisPid = pidOf('redis');
  const chatlabTarget: Target = {
    name: 'chatlab',
    urls: gateways.map((g) => wsUrl(g.url)),
    query: false,
    secret: state.secret,
    cpu: Object.fromEntries([
      ...gateways.map((g) => [g.name, [g.pid]] as const),
      ['redis', redisPid ? [redisPid] : []],
      ...(['kafka', 'cassandra'] as const).map((n) => [n, [pidOf(n)].filter((p): p is number => p !== undefined)] as const),
      ...state.services.filter((s) => s.kind !== 'gateway').map((s) => [s.name, [s.pid]] as const),
    ]),
    frameCost: [
      { label: 'gateways', keys: gateways.map((g) => g.name) },
      { label: 'redis', keys: ['redis'] },
      { label: 'kafka+cassandra+workers', keys: ['kafka', 'cassandra', ...state.services.filter((s) => s.kind !== 'gateway').map((s) => s.name)] },
    ],
  };

  const date = new Date().toISOString();
  const cpuModel = os.cpus()[0]?.model ?? 'unknown CPU';
  emit(`# chatlab fan-out benchmark — ${date}`);
  emit();
  emit(`machine: ${os.cpus().length} × ${cpuModel}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${os.release()}, Node ${process.version}`);
  emit(
    `stack: ${state.provider ?? '?'} infra (${Object.entries(state.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}), ${gateways.length} gateways, ${state.services.filter((s) => s.kind !== 'gateway').map((s) => s.name).join(', ') || 'no workers'}`,
  );
  emit(
    `workload: ${o.users} connections (users round-robin over the gateways), ${o.groupCount} groups of ${o.groupSize} members (random members), ${o.bodyBytes}-byte bodies, ` +
      `${o.groupSize - 1} frames per message; ${o.loadProcs} load process(es), open model from one timer per process; steps of ${o.warmupMs} ms warm-up + ${o.measureMs} ms measured`,
  );
  {
    const p = await cpuPercentOver(chatlabTarget.cpu, 3000);
    const stack = Object.keys(chatlabTarget.cpu).reduce((s, k) => s + p[k]!, 0);
    emit(`before the run (3 s, no load): machine ${pct(p['machine']!)} busy of 200%: the idle stack ${pct(stack)}, other processes ${pct(p['other']!)}`);
  }
  emit('latency: intended send time → receipt by each recipient (timestamp once per event-loop turn), HDR histogram; CPU: utime+stime from /proc/<pid>/stat over the measured window');
  emit();

  let chatlabResults: StepResult[] = [];
  let baselineResults: StepResult[] = [];
  let groups: Group[] = [];
  let userIds: string[] = [];
  const needGroups = !o.skipFanout;
  const prefix = `fo${Date.now().toString(36)}`;
  if (needGroups) {
    progress(`seeding ${o.users} users and ${o.groupCount} groups of ${o.groupSize} (prefix ${prefix})`);
    const seeded = await seedStack(state.endpoints!, state.keyspace ?? 'chatlab', { users: o.users, friends: 0, groups: `${o.groupCount}x${o.groupSize}`, prefix, seed: 1 }, undefined, state.secret);
    groups = seeded.groups.map((g) => ({ conversationId: g.conversationId, members: g.members }));
    userIds = seeded.users;
  }

  // Idle first: the gateways' heaps have not grown under traffic yet, so ΔRSS is what sockets cost.
  let idleChatlab: IdleResult | undefined;
  if (!o.skipIdle && o.idleLevels.length > 0) {
    idleChatlab = await runIdle(chatlabTarget, gateways.map((g) => g.pid), redisPid, o.idleLevels, o);
  }

  if (needGroups) {
    chatlabResults = await runFanout(chatlabTarget, userIds, groups, o);
  }

  let idleBaseline: IdleResult | undefined;
  let baseTarget: Target | undefined;
  if (!o.skipBaseline) {
    const server = await startBaseline(groups);
    baseTarget = { name: 'plain ws', urls: [server.url], query: true, cpu: { server: [server.pid] }, frameCost: [{ label: 'server', keys: ['server'] }] };
    if (needGroups) baselineResults = await runFanout(baseTarget, userIds, groups, o);
    await stopBaseline();
    if (!o.skipIdle && o.idleLevels.length > 0) {
      // a fresh server, so its ΔRSS is not absorbed by heap the fan-out run left behind
      const fresh = await startBaseline(groups);
      idleBaseline = await runIdle({ ...baseTarget, urls: [fresh.url], cpu: { server: [fresh.pid] } }, [fresh.pid], undefined, o.idleLevels, o);
      await stopBaseline();
    }
  }

  // ------------------------------------------------------------ tables
  if (chatlabResults.length > 0) {
    emit(`## chatlab: ${gateways.length} gateways + Redis (+ Kafka, Cassandra, persist worker)`);
    emit();
    stepTable(chatlabResults, chatlabTarget, o.p99Limit);
    emit();
  }
  if (baselineResults.length > 0) {
    emit('## baseline: plain `ws` server, one process, same frames to the same clients (the chatlab stack idles meanwhile)');
    emit();
    stepTable(baselineResults, baseTarget!, o.p99Limit);
    emit();
  }
  emit('(* = highest delivered frames/s with p99 under the limit, nothing lost; cpu = % of one core over the measured window, 200% = the whole machine; other cpu = everything on the machine outside the processes listed, i.e. other sessions and kernel time not charged to them; load timer late = how far behind its schedule the load process timer ran at worst, which the latency includes)');
  emit();

  summaryTable(chatlabResults, baselineResults, chatlabTarget, gateways, o.p99Limit);
  idleTable(idleChatlab, idleBaseline, o, gateways.length);

  emit(`config: ${process.argv.slice(2).join(' ') || '(defaults)'}; rates tried ${o.rates.join(',')} msg/s; grace ${o.graceMs} ms`);

  if (o.save) {
    const out = o.out ?? path.join(packageRoot(), 'bench', 'results', `fanout-${date.slice(0, 10)}.txt`);
    saveEmitted(out);
    progress(`saved to ${out}`);
  }
}

const parsed = parseFanoutOptions(process.argv.slice(2));
if (parsed === 'help') {
  process.stdout.write(fs.readFileSync(path.join(packageRoot(), 'bench', 'README.md'), 'utf8'));
  process.exit(0);
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    process.stderr.write(`${sig}: cleaning up…\n`);
    void cleanup().finally(() => process.exit(130));
  });
}
try {
  await main(parsed);
  await cleanup();
} catch (err) {
  process.stderr.write(`fanout bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  await cleanup();
  process.exitCode = 1;
}

/**
 * Fan-out benchmark: the chatlab stack's gateways under a fan-out workload
 * (2,000 connections spread over them, 20 conversations of 100 members, ~150-byte bodies,
 * stepped offered rates, open model, from separate load processes), once per routing (group,
 * inbox); then the same clients and frames against Socket.IO 4 + @socket.io/redis-adapter
 * (two processes, rooms) and a plain `ws` server (one process). Each system is warmed first
 * (steady state), then climbs the ladder; the summary gives the best step with p99 < 50 ms and
 * nothing lost, CPU per delivered frame of each component, and the ratios.
 *
 *   npm run build && node dist/bench/fanout.js --state-dir /tmp/chatlab-bench      (stack already up)
 *   node dist/bench/fanout.js --up --state-dir /tmp/chatlab-bench [--json]          (starts and stops one)
 *
 * See bench/README.md for every flag. Prints markdown tables (with --json: one JSON object on
 * stdout, the tables on stderr); also writes the tables to bench/results/fanout-<date>.txt (or
 * --out FILE). Each part lives in bench/fanout/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../src/core/index.js';
import { readState, seedStack, type StackState } from '../src/stack/index.js';
import { killBaseline, startBaseline, stopBaseline } from './fanout/baseline.js';
import { cpuPercentOver } from './fanout/cpu.js';
import { restoreGateways, setupGateways } from './fanout/gateways.js';
import { runIdle, type IdleResult } from './fanout/idle.js';
import { stopAllLoad } from './fanout/load-procs.js';
import { parseFanoutOptions, type FanoutOptions } from './fanout/options.js';
import { emit, pct, progress, saveEmitted, tablesToStderr } from './fanout/output.js';
import { loadStack, stopStartedStack } from './fanout/stack.js';
import { runFanout, type Group } from './fanout/steps.js';
import { baselineTarget, chatlabTarget, stackPids, systemJson, type SystemRun } from './fanout/systems.js';
import { idleTable, ratiosOf, stepTable, summaryTable } from './fanout/tables.js';

let cleaningUp = false;
let stateDirInUse: string | undefined;
async function cleanup(): Promise<void> {
  if (cleaningUp) return;
  cleaningUp = true;
  await stopAllLoad();
  killBaseline();
  if (stateDirInUse) await restoreGateways(stateDirInUse).catch((err: unknown) => progress(`could not restore the gateways: ${String(err)}`));
  stopStartedStack();
}

function fresh(o: FanoutOptions): StackState {
  const s = readState(o.stateDir);
  if (!s) throw new Error(`the stack in ${o.stateDir} is gone`);
  return s;
}

async function main(o: FanoutOptions): Promise<void> {
  if (o.json) tablesToStderr();
  let state = loadStack(o);
  stateDirInUse = o.stateDir;
  const gateways = state.services.filter((s) => s.kind === 'gateway');
  const date = new Date().toISOString();
  const cpuModel = os.cpus()[0]?.model ?? 'unknown CPU';
  const machine = `${os.cpus().length} × ${cpuModel}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${os.release()}, Node ${process.version}`;
  const workload =
    `${o.users} connections (users round-robin over the servers), ${o.groupCount} groups of ${o.groupSize} random members, ${o.bodyBytes}-byte bodies, ` +
    `${o.groupSize - 1} frames per message; ${o.loadProcs} load process(es), open model; warm ${o.steadyS} s at ${o.warmRate} msg/s per system, then steps of ${o.warmupMs} ms + ${o.measureMs} ms measured`;
  emit(`# chatlab fan-out benchmark — ${date}`);
  emit();
  emit(`machine: ${machine}`);
  emit(`stack: ${state.provider ?? '?'} infra (${Object.entries(state.versions).map(([k, v]) => `${k} ${v}`).join(', ')}), ${gateways.length} gateways, ${state.services.filter((s) => s.kind !== 'gateway').map((s) => s.name).join(', ')}`);
  emit(`workload: ${workload}`);

  // the idle stack, before anything: its burn is what the cold path's CPU is counted above
  const idle = await cpuPercentOver(stackPids(state), o.idleCpuS * 1000);
  const stackNames = Object.keys(stackPids(state));
  const idleStack = stackNames.reduce((s, k) => s + (idle[k] ?? 0), 0);
  const idleCold = ['kafka', 'cassandra', 'persist-worker'].reduce((s, k) => s + (idle[k] ?? 0), 0);
  emit(
    `idle (${o.idleCpuS} s, no load): the stack ${pct(idleStack)} of a core (${stackNames.map((k) => `${k} ${(idle[k] ?? 0).toFixed(1)}`).join(', ')}); ` +
      `other processes ${pct(idle['other']!)}; machine ${pct(idle['machine']!)} of 200%`,
  );
  const contended = idle['other']! > 10;
  if (contended) emit(`**contended**: other processes used ${pct(idle['other']!)} of a core while the stack idled; absolute figures are not this machine's best`);
  emit('latency: intended send time → receipt by each recipient (timestamp once per event-loop turn), HDR histogram; CPU: utime+stime from /proc/<pid>/stat over the measured window');
  emit();

  const prefix = `fo${Date.now().toString(36)}`;
  progress(`seeding ${o.users} users and ${o.groupCount} groups of ${o.groupSize} (prefix ${prefix})`);
  const seeded = await seedStack(state.endpoints!, state.keyspace ?? 'chatlab', { users: o.users, friends: 0, groups: `${o.groupCount}x${o.groupSize}`, prefix, seed: 1 }, undefined, state.secret);
  const groups: Group[] = seeded.groups.map((g) => ({ conversationId: g.conversationId, members: g.members }));
  const userIds = seeded.users;

  // Idle RSS first: the gateways' heaps have not grown under traffic yet, so ΔRSS is what sockets cost.
  let idleChatlab: IdleResult | undefined;
  let idleBaseline: IdleResult | undefined;
  if (!o.skipIdle && o.idleLevels.length > 0) {
    idleChatlab = await runIdle(chatlabTarget(state, undefined), gateways.map((g) => g.pid), state.processes.find((p) => p.name === 'redis')?.pid, o.idleLevels, o);
  }

  const runs: SystemRun[] = [];
  for (const system of o.systems) {
    if (o.skipFanout) break;
    if (system === 'chatlab') {
      const routings = o.routings.length > 0 ? o.routings : [undefined];
      for (const routing of routings) {
        if (routing || o.profileDir) {
          await setupGateways(o.stateDir, { routing, profileDir: o.profileDir ? path.join(o.profileDir, routing ?? 'as-is') : undefined });
          state = fresh(o);
        }
        const target = chatlabTarget(state, routing);
        runs.push({ name: 'chatlab', routing, target, results: await runFanout(target, userIds, groups, o), idleCpuPercent: idleStack, idleColdPercent: idleCold });
      }
      await restoreGateways(o.stateDir);
      state = fresh(o);
      if (o.profileDir) progress(`gateway CPU profiles in ${o.profileDir}/<routing>/<pid>.cpuprofile (node dist/bench/profile-top.js FILE)`);
    } else {
      const servers = await startBaseline(system, groups, { redisUrl: state.endpoints!.redis.url, processes: o.socketioProcs });
      const target = baselineTarget(servers, state);
      runs.push({ name: system, target, results: await runFanout(target, userIds, groups, o) });
      await stopBaseline();
      if (system === 'ws' && !o.skipIdle && o.idleLevels.length > 0) {
        // a fresh server, so its ΔRSS is not absorbed by heap the fan-out run left behind
        const fresh1 = await startBaseline('ws', groups);
        idleBaseline = await runIdle(baselineTarget(fresh1, state), fresh1.pids, undefined, o.idleLevels, o);
        await stopBaseline();
      }
    }
  }

  for (const run of runs) {
    emit(`## ${run.target.name}`);
    emit();
    stepTable(run.results, run.target, o.p99Limit);
    emit();
  }
  if (runs.length > 0) {
    emit('(* = highest delivered frames/s with p99 under the limit, nothing lost; cpu = % of one core over the measured window, 200% = the whole machine; chatlab idle = the chatlab stack while a baseline runs; other cpu = everything on the machine outside the processes listed; load timer late = how far behind its schedule the load process timer ran at worst, which the latency includes)');
    emit();
  }
  const ratios = ratiosOf(runs);
  summaryTable(runs, o.p99Limit, ratios);
  idleTable(idleChatlab, idleBaseline, o, gateways.length);
  emit(`config: ${process.argv.slice(2).join(' ') || '(defaults)'}; rates tried ${o.rates.join(',')} msg/s; grace ${o.graceMs} ms`);

  if (o.save) {
    const out = o.out ?? path.join(packageRoot(), 'bench', 'results', `fanout-${date.slice(0, 10)}${contended ? '-contended' : ''}.txt`);
    saveEmitted(out);
    progress(`saved to ${out}`);
  }
  if (o.json) {
    const { chatlabRouting: _which, ...ratioFields } = ratios;
    const json = {
      machine: { description: machine, cores: os.cpus().length, contended, otherCpuPercentIdle: Math.round(idle['other']! * 10) / 10 },
      workload: { description: workload, users: o.users, groups: o.groupCount, groupSize: o.groupSize, bodyBytes: o.bodyBytes, p99LimitMs: o.p99Limit, steadyS: o.steadyS },
      systems: runs.map((r) => systemJson(r, o.groupSize - 1, o.measureMs)),
      ratios: ratioFields,
    };
    process.stdout.write(`${JSON.stringify(json)}\n`);
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

import os from 'node:os';
import { EventEmitter } from 'node:events';
import { counters, cpuOver, idleRates, processesOf, scenarios } from '../../scenarios/index.js';
import { ChatlabError, ErrorCodes } from '../core/index.js';
import { applyServiceOptions, readServiceOptions, restoreServiceOptions, runScenario, type EngineEvents, type ScenarioDefinition } from '../scenario/index.js';
import { checkOf, CPU_GROUPS, explainCheck, kindOf, predictCpuTerms, predictKnee, type Check, type Terms } from '../sizing/index.js';
import { readState } from '../stack/index.js';
import { hint, stateDirFrom, type GlobalOptions } from './context.js';
import { Exit } from './exit-codes.js';
import { err, makeChalk, out, printJson } from './output.js';
import { attachRunProgress } from './run-progress.js';
import { assertHealthy } from './run-stack.js';
import { formatTable } from './table.js';
import { loadCalibration } from './size-input.js';

/** What a run sets up: conversations, their members, and the conversations each user holds (synced on a reconnect). */
interface SetUp {
  conversations: number;
  members: number;
  conversationsPerUser: number;
}
/** large-group-fanout: one group of `size`. */
const oneGroup = (size: number): SetUp => ({ conversations: 1, members: size, conversationsPerUser: 1 });
/** presence-storm at its defaults: groups of 10 and a ring of direct pairs, 8 friends each. */
function presenceStorm(users: number, friends = 8, groupSize = 10): SetUp {
  const groups = Math.floor(users / groupSize);
  const pairs = users * Math.min(Math.ceil(friends / 2), Math.floor((users - 1) / 2));
  return { conversations: groups + pairs, members: users + 2 * pairs, conversationsPerUser: 1 + friends };
}

/** Runs the model did not see: per-process CPU runs, and knee runs (capacity), two sizes each. */
const CPU_RUNS: Array<{ label: string; scenario: string; sets: Record<string, string[]>; groupSize: number; setup: SetUp }> = [
  { label: 'large-group-fanout 50, group', scenario: 'large-group-fanout', sets: { sizes: ['50'], routing: ['group'], messages: ['60'], ratePerSec: ['10'] }, groupSize: 50, setup: oneGroup(50) },
  { label: 'large-group-fanout 200, inbox', scenario: 'large-group-fanout', sets: { sizes: ['200'], routing: ['inbox'], messages: ['40'], ratePerSec: ['5'] }, groupSize: 200, setup: oneGroup(200) },
  { label: 'presence-storm 100 users', scenario: 'presence-storm', sets: { users: ['100'], presence: ['decoupled'] }, groupSize: 10, setup: presenceStorm(100) },
  { label: 'presence-storm 300 users', scenario: 'presence-storm', sets: { users: ['300'], presence: ['decoupled'] }, groupSize: 10, setup: presenceStorm(300) },
];
const KNEE_RUNS = [5, 20].map((groupSize) => ({ label: `capacity, groups of ${groupSize}`, groupSize, sets: { groupSize: [String(groupSize)], loads: ['125/250/500/1000/2000/4000'], confirm: ['1'], measureSec: ['3'], graceSec: ['3'] } }));
const LIMIT = 0.25;

const first = (sets: Record<string, string[]>) => Object.fromEntries(Object.entries(sets).map(([k, v]) => [k, v[0]]));

export async function validateCommand(raw: Record<string, unknown>, globals: GlobalOptions): Promise<number> {
  const json = raw['json'] === true;
  const stateDir = stateDirFrom(globals);
  const state = readState(stateDir);
  if (!state || state.phase !== 'running') throw new ChatlabError(ErrorCodes.NOT_RUNNING, `--validate runs scenarios on a running stack (start one with \`${hint(globals, 'up --detach --gateways 3')}\`)`);
  await assertHealthy(stateDir, globals);
  const { file, calibration } = loadCalibration(typeof raw['calibration'] === 'string' ? raw['calibration'] : undefined);
  const c = makeChalk(process.stderr);
  const load0 = os.loadavg();
  err(c.dim(`validating ${file} against ${CPU_RUNS.length} CPU runs and ${KNEE_RUNS.length} knee runs; load average ${load0.map((x) => x.toFixed(1)).join(' ')}`));
  const before = readServiceOptions(stateDir);
  const checks: Check[] = [];
  const why = new Map<Check, { terms: Terms; text: string }>();
  const events = new EventEmitter<EngineEvents>();
  const progress = attachRunProgress(events, 'validate', stateDir);
  try {
    for (const run of CPU_RUNS) {
      const def = scenarios[run.scenario] as ScenarioDefinition<Record<string, unknown>>;
      const params = def.params.parse(first(run.sets)) as Record<string, unknown>;
      // the variant's options first, so the run itself restarts nothing and every pid holds for the window
      if (def.serviceOptions) await applyServiceOptions(stateDir, def.serviceOptions(params), (l) => err(c.dim(l)));
      const names = processesOf(stateDir);
      // the baseline just before the run: not part of the prediction (the calibration's is), printed beside a miss
      const idle = await idleRates({ sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) }, names, 5);
      const ctxLike = { scrape: (m: string) => scrapeAll(stateDir, m) } as never;
      const c0 = await counters(ctxLike);
      let handshakes = 0;
      let flaps = 0;
      let clientSeconds = 0;
      const { us, wallUs } = await cpuOver(names, async () => {
        const result = await runScenario(def, { stateDir, sets: run.sets, seed: 1, config: { command: 'size --validate' } }, events);
        handshakes = result.variants.reduce((n, v) => n + Math.max(0, ...v.series.map((p) => p.connections)), 0);
        flaps = result.variants.reduce((n, v) => n + v.series.reduce((s, p) => s + p.reconnectsPerSec, 0), 0);
        // one series point a second: its connections are that second's client-seconds
        clientSeconds = result.variants.reduce((n, v) => n + v.series.reduce((s, p) => s + p.connections, 0), 0);
      });
      const c1 = await counters(ctxLike);
      // all of each process's CPU over the run: the prediction carries the baseline
      const total = (kinds: readonly string[]) => [...us].filter(([k]) => kinds.includes(kindOf(k))).reduce((s, [, v]) => s + v, 0);
      const idleOver = (kinds: readonly string[]) => [...idle].filter(([k]) => kinds.includes(kindOf(k))).reduce((s, [, v]) => s + v * wallUs, 0);
      const gwOptions = readServiceOptions(stateDir)['gateway-1'] ?? {};
      const processes: Record<string, number> = {};
      for (const name of names.keys()) processes[kindOf(name)] = (processes[kindOf(name)] ?? 0) + 1;
      const terms = predictCpuTerms(calibration, {
        routing: (gwOptions['routing'] as 'inbox' | 'group' | 'hybrid' | undefined) ?? 'hybrid',
        groupThreshold: Number(gwOptions['groupThreshold'] ?? 100),
        groupSize: run.groupSize,
        gateways: processes['gateway'] ?? 0,
        sent: c1.sent - c0.sent,
        delivered: c1.delivered - c0.delivered,
        persisted: c1.persisted - c0.persisted,
        indexed: c1.indexed - c0.indexed,
        presence: c1.presence - c0.presence,
        reads: c1.reads - c0.reads,
        handshakes,
        presenceMode: (gwOptions['presence'] as 'inline' | 'decoupled' | undefined) ?? 'decoupled',
        clientSeconds,
        wallSec: wallUs / 1e6,
        processes,
        conversations: run.setup.conversations,
        members: run.setup.members,
        flaps,
        syncs: flaps * run.setup.conversationsPerUser,
      });
      for (const [what, t] of Object.entries(terms)) {
        const kinds = CPU_GROUPS[what] ?? [];
        const x = checkOf(`${run.label}: ${what} CPU (s)`, Object.values(t).reduce((a, v) => a + v, 0) / 1e6, total(kinds) / 1e6);
        checks.push(x);
        why.set(x, { terms: t, text: explainCheck(x, t, idleOver(kinds), LIMIT) });
      }
    }
    for (const run of KNEE_RUNS) {
      const result = await runScenario(scenarios['capacity']!, { stateDir, sets: run.sets, seed: 1, config: { command: 'size --validate' } }, events);
      const measured = result.variants[0]?.measures['kneeDeliveredFramesPerSec'] ?? 0;
      checks.push(checkOf(`${run.label}: knee (frames/s)`, predictKnee(calibration, state.services.filter((s) => s.kind === 'gateway').length, run.groupSize), measured));
    }
  } finally {
    progress.stop();
    await restoreServiceOptions(stateDir, before, (l) => err(c.dim(l)));
  }
  const load1 = os.loadavg();
  const failed = checks.filter((x) => !(Math.abs(x.error) <= LIMIT));
  if (json) printJson({ checks: checks.map((x) => ({ ...x, ...(why.has(x) ? { termsUs: why.get(x)!.terms, why: why.get(x)!.text } : {}) })), calibration: file, loadAverage: [...load0, ...load1].map((x) => Number(x.toFixed(2))), limit: LIMIT });
  else {
    const rows = checks.map((x) => [x.what, x.predicted.toPrecision(3), x.measured.toPrecision(3), `${x.error >= 0 ? '+' : ''}${(x.error * 100).toFixed(0)}%`, Math.abs(x.error) <= LIMIT ? 'ok' : 'MISS']);
    for (const l of formatTable(['check', 'predicted', 'measured', 'error', ''], rows, (i) => i >= 1 && i <= 3)) out(l);
    const misses = checks.filter((x) => !(Math.abs(x.error) <= LIMIT) && why.has(x));
    if (misses.length > 0) out("why the misses (the prediction's largest terms; the gap against the largest):");
    for (const x of misses) out(`- ${x.what}: ${why.get(x)!.text}`);
    out(`load average before ${load0.map((x) => x.toFixed(1)).join(' ')}, after ${load1.map((x) => x.toFixed(1)).join(' ')} (other processes on the machine add to the measured CPU)`);
  }
  err(failed.length === 0 ? c.green(`✔ every check within ±${LIMIT * 100}%`) : c.red(`✖ ${failed.length} of ${checks.length} checks beyond ±${LIMIT * 100}%`));
  return failed.length === 0 ? Exit.OK : Exit.FAILED;
}

/** A counter summed over every service's /metrics (the run context's scrape, outside a run). */
async function scrapeAll(stateDir: string, metric: string): Promise<number> {
  const { parsePrometheusText, sumMetric } = await import('../core/index.js');
  const services = readState(stateDir)?.services ?? [];
  const texts = await Promise.all(services.map((s) => fetch(`${s.url}/metrics`, { signal: AbortSignal.timeout(3000) }).then((r) => r.text(), () => '')));
  return texts.reduce((n, t) => n + (sumMetric(parsePrometheusText(t), metric) ?? 0), 0);
}

import fs from 'node:fs';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import type { Command } from 'commander';
import { z } from 'zod';
import { ChatlabError, ErrorCodes, errorMessage } from '../core/index.js';
import { killAllSpawnedSync, parseInfraChoice, providerFactory } from '../infra/index.js';
import { runScenario, parseSets, type EngineEvents, type RunResult, type ScenarioDefinition } from '../scenario/index.js';
import { readState, startStack, type RunningStack } from '../stack/index.js';
import { scenarios } from '../../scenarios/index.js';
import { stateDirFrom, type GlobalOptions } from './context.js';
import { err, makeChalk, printJson, reportError } from './output.js';
import { startLiveView } from './live.js';
import { attachRunProgress } from './run-progress.js';
import { writeRunReport } from './run-report.js';

const runOptionsSchema = z.object({
  set: z.array(z.string()).default([]),
  threshold: z.array(z.string()).optional(),
  out: z.string().default('reports'),
  json: z.boolean().default(false),
  seed: z.coerce.number().int().default(1),
  infra: z.string().default('auto'),
  gateways: z.coerce.number().int().min(1).max(16).default(2),
});

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function registerRun(program: Command): void {
  program
    .command('run <scenario>')
    .description(`run a scenario and write a report (${Object.keys(scenarios).join(', ')})`)
    .option('--set <key=value[,value...]>', 'scenario parameter; a comma list runs each value as a variant (repeatable)', collect)
    .option('--threshold <expr>', 'replace the scenario thresholds, e.g. "p99 < 200" (repeatable)', collect)
    .option('--out <dir>', 'base folder for the run folder', 'reports')
    .option('--seed <n>', 'random seed', '1')
    .option('--infra <provider>', 'when no stack runs: the provider for the stack the run starts and stops itself', 'auto')
    .option('--gateways <n>', 'when no stack runs: gateways to start', '2')
    .option('--json', 'print the result object (as report.json) on stdout')
    .action(async (name: string, raw: Record<string, unknown>, cmd: Command) => {
      process.exitCode = await runCommand(name, raw, cmd.optsWithGlobals() as GlobalOptions);
    });
}

/** Exit codes (PROTOCOL.md): 0 every threshold holds, 1 a threshold failed, 2 the run could not be done. */
export async function runCommand(
  name: string,
  raw: Record<string, unknown>,
  globals: GlobalOptions,
  suite?: { outDir: string; onReport?: (dir: string) => void },
): Promise<number> {
  const json = raw['json'] === true;
  const c = makeChalk(process.stderr);
  let own: RunningStack | undefined;
  const onSignal = () => {
    err(c.yellow('interrupted: stopping'));
    killAllSpawnedSync();
    process.exit(2);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const parsed = runOptionsSchema.safeParse(raw);
    if (!parsed.success) throw new ChatlabError(ErrorCodes.CONFIG, parsed.error.issues.map((i) => i.message).join('; '));
    const o = parsed.data;
    const def = scenarios[name] as ScenarioDefinition | undefined;
    if (!def) throw new ChatlabError(ErrorCodes.CONFIG, `no scenario "${name}" (known: ${Object.keys(scenarios).join(', ')})`);
    const sets = parseSets(o.set);
    const stateDir = stateDirFrom(globals);
    let runStateDir = stateDir;
    const running = readState(stateDir);
    if (!running || running.phase !== 'running') {
      runStateDir = path.join(stateDir, 'run-stacks', String(process.pid));
      own = await startRunStack(runStateDir, o.infra, o.gateways);
    }
    const events = new EventEmitter<EngineEvents>();
    // on a terminal the live dashboard; in CI and pipes, plain lines (phases, faults, a status line every few seconds)
    const tty = Boolean(process.stdout.isTTY) && !json && process.env['CI'] !== 'true';
    const progress = tty
      ? startLiveView({ stateDir: runStateDir, tty: true, events, scenario: def.name, onQuit: () => process.kill(process.pid, 'SIGINT') })
      : attachRunProgress(events, def.name, runStateDir);
    let result: RunResult;
    try {
      result = await runScenario(def, { stateDir: runStateDir, sets, seed: o.seed, thresholds: o.threshold, config: { scenario: name, set: o.set, seed: o.seed } }, events);
    } finally {
      progress.stop();
    }
    const dir = path.join(suite?.outDir ?? o.out, result.runId);
    await writeRunReport(result, dir);
    suite?.onReport?.(dir);
    if (json) printJson(result);
    const failed = result.variants.flatMap((v) => v.thresholds.filter((t) => !t.ok).map((t) => `${v.name}: ${t.name} (value ${t.value ?? 'none'})`));
    const errors = result.variants.flatMap((v) => v.errors.map((e) => `${v.name}: ${e}`));
    if (errors.length > 0) {
      err(c.red(`✖ ${def.name}: the run could not be completed`));
      for (const e of errors) err(`  ${e}`);
      err(c.dim(`report: ${dir}`));
      return 2;
    }
    err(result.ok ? c.green(`✔ ${def.name}: every threshold holds`) : c.red(`✖ ${def.name}: ${failed.length} threshold(s) failed`));
    for (const f of failed) err(`  ${f}`);
    err(c.dim(`report: ${dir}`));
    return result.ok ? 0 : 1;
  } catch (e) {
    reportError(e, json);
    return 2;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (own) await stopRunStack(own);
  }
}

/** A stack for runs that found none running (started here, stopped when they end). */
export async function startRunStack(stateDir: string, infra: string, gateways: number): Promise<RunningStack> {
  const c = makeChalk(process.stderr);
  err(c.dim(`no stack running: starting one for this run (--infra ${infra})`));
  return startStack({
    stateDir,
    infra: parseInfraChoice(infra),
    factory: providerFactory(),
    detached: false,
    services: { gateways },
    onProgress: (e) => {
      if (e.phase === 'ready' || e.phase === 'failed') err(c.dim(`  ${e.component} ${e.phase}${e.detail ? ` ${e.detail}` : ''}`));
    },
  });
}

export async function stopRunStack(stack: RunningStack): Promise<void> {
  err(makeChalk(process.stderr).dim('stopping the stack this run started'));
  await stack.stop().catch((e: unknown) => err(errorMessage(e)));
  fs.rmSync(stack.state.stateDir, { recursive: true, force: true });
}

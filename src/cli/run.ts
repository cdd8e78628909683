import fs from 'node:fs';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import type { Command } from 'commander';
import { z } from 'zod';
import { compareToBaseline, loadRunResult, parseTolerance, renderBaseline } from '../report/index.js';
import { prepareRun, runScenario, parseSets, type EngineEvents, type RunResult } from '../scenario/index.js';
import { readState, type RunningStack } from '../stack/index.js';
import { stateDirFrom, type GlobalOptions } from './context.js';
import { configError, Exit, exitCodeFor } from './exit-codes.js';
import { err, makeChalk, printJson, reportError } from './output.js';
import { twoStepInterrupt } from './signals.js';
import { startLiveView } from './live.js';
import { attachRunProgress } from './run-progress.js';
import { writeRunReport } from './run-report.js';
import { assertHealthy, startRunStack, stopRunStack } from './run-stack.js';
import { loadScenario } from './scenario-source.js';

export { startRunStack, stopRunStack } from './run-stack.js';

const num = (flag: string) => z.coerce.number({ error: `${flag}: expected a number` }).refine(Number.isFinite, `${flag}: expected a number`);
export const runOptionsSchema = z.object({
  set: z.array(z.string()).default([]),
  threshold: z.array(z.string()).optional(),
  out: z.string().default('reports'),
  json: z.boolean().default(false),
  seed: num('--seed').pipe(z.number().int('--seed: expected a whole number')).default(1),
  infra: z.string().default('auto'),
  gateways: num('--gateways').pipe(z.number().int().min(1, '--gateways: at least 1').max(16, '--gateways: at most 16')).default(2),
  repeat: num('--repeat').pipe(z.number().int().min(1, '--repeat: at least 1').max(100, '--repeat: at most 100')).default(1),
  baseline: z.string().optional(),
  maxRegress: z.string().default('10%'),
});
export type RunOptionsInput = z.input<typeof runOptionsSchema>;

/** What a run needs once its input is known good: checked before any stack starts. */
export async function checkRunInput(name: string, raw: Record<string, unknown>) {
  const parsed = runOptionsSchema.safeParse(raw);
  if (!parsed.success) throw configError(parsed.error.issues, raw);
  const o = parsed.data;
  const def = await loadScenario(name);
  const sets = parseSets(o.set);
  prepareRun(def, sets, o.threshold);
  const maxRegress = parseTolerance(o.maxRegress);
  const baseline = o.baseline === undefined ? undefined : { path: o.baseline, result: loadRunResult(o.baseline) };
  return { o, def, sets, maxRegress, baseline };
}

/** Set once a run was interrupted: its scenario code may still hold timers, so the command exits once it has cleaned up. */
export const runState = { interrupted: false };

/** Exit codes (docs/protocol.md, exit-codes.ts): 0 every threshold holds, 1 a threshold or the gate failed, 2 the run could not be done. */
export async function runCommand(
  name: string,
  raw: Record<string, unknown>,
  globals: GlobalOptions,
  suite?: { outDir: string; onReport?: (dir: string) => void; signal?: AbortSignal },
): Promise<number> {
  const json = raw['json'] === true;
  const c = makeChalk(process.stderr);
  let own: RunningStack | undefined;
  const controller = new AbortController();
  suite?.signal?.addEventListener('abort', () => controller.abort(), { once: true });
  const onSignal = twoStepInterrupt(c, Exit.USAGE, (signal) => {
    err(c.yellow(`${signal}: interrupting (the finished variants are kept, the stack is restored); again to kill`));
    controller.abort();
  });
  if (!suite) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  const stateDir = stateDirFrom(globals);
  const ownDir = path.join(stateDir, 'run-stacks', String(process.pid));
  try {
    const { o, def, sets, maxRegress, baseline } = await checkRunInput(name, raw);
    let runStateDir = stateDir;
    const running = readState(stateDir);
    if (running && running.phase === 'running') await assertHealthy(stateDir, globals);
    else {
      runStateDir = ownDir;
      own = await startRunStack(runStateDir, o.infra, o.gateways, controller.signal);
    }
    const events = new EventEmitter<EngineEvents>();
    // on a terminal the live dashboard; in CI and pipes, plain lines (phases, faults, a status line every few seconds)
    const tty = Boolean(process.stdout.isTTY) && !json && process.env['CI'] !== 'true';
    const progress = tty
      ? startLiveView({ stateDir: runStateDir, tty: true, events, scenario: def.name, onQuit: () => process.kill(process.pid, 'SIGINT') })
      : attachRunProgress(events, def.name, runStateDir);
    let result: RunResult;
    try {
      result = await runScenario(
        def,
        { stateDir: runStateDir, sets, seed: o.seed, thresholds: o.threshold, repeat: o.repeat, signal: controller.signal, config: { scenario: name, set: o.set, seed: o.seed, ...(o.threshold ? { threshold: o.threshold } : {}) } },
        events,
      );
    } finally {
      progress.stop();
    }
    if (baseline && !result.interrupted) {
      result.baseline = compareToBaseline(baseline.result, result, baseline.path, maxRegress);
      if (!result.baseline.ok) result.ok = false;
    }
    const dir = path.join(suite?.outDir ?? o.out, result.runId);
    await writeRunReport(result, dir);
    suite?.onReport?.(dir);
    if (json) printJson(result);
    return verdict(result, def.name, dir);
  } catch (e) {
    reportError(e, json);
    return controller.signal.aborted ? Exit.USAGE : exitCodeFor(e) === Exit.FAILED ? Exit.USAGE : exitCodeFor(e);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (controller.signal.aborted) runState.interrupted = true;
    if (own) await stopRunStack(own);
    else if (fs.existsSync(ownDir) && !readState(ownDir)) fs.rmSync(ownDir, { recursive: true, force: true });
  }
}

function verdict(result: RunResult, name: string, dir: string): number {
  const c = makeChalk(process.stderr);
  const failed = result.variants.flatMap((v) => v.thresholds.filter((t) => !t.ok).map((t) => `${v.name}: ${t.name} (value ${t.value ?? 'none'})`));
  const errors = result.variants.flatMap((v) => v.errors.map((e) => `${v.name}: ${e}`));
  if (result.interrupted) {
    err(c.yellow(`✖ ${name}: interrupted; partial report with ${result.variants.length} finished variant(s)`));
    err(c.dim(`report: ${dir}`));
    return Exit.USAGE;
  }
  if (errors.length > 0) {
    err(c.red(`✖ ${name}: the run could not be completed`));
    for (const e of errors) err(`  ${e}`);
    err(c.dim(`report: ${dir}`));
    return Exit.USAGE;
  }
  if (result.baseline) for (const line of renderBaseline(result.baseline)) err(line);
  const gate = result.baseline && !result.baseline.ok;
  err(result.ok ? c.green(`✔ ${name}: every threshold holds`) : c.red(`✖ ${name}: ${failed.length} threshold(s) failed${gate ? ', and the baseline gate' : ''}`));
  for (const f of failed) err(`  ${f}`);
  err(c.dim(`report: ${dir}`));
  return result.ok ? Exit.OK : Exit.FAILED;
}

import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ChatlabError, ErrorCodes, errorMessage } from '../core/index.js';
import { prepareRun } from '../scenario/index.js';
import { readState } from '../stack/index.js';
import { stateDirFrom, type GlobalOptions } from './context.js';
import { Exit } from './exit-codes.js';
import { err, makeChalk } from './output.js';
import { checkRunInput, runCommand } from './run.js';
import { assertHealthy, startRunStack, stopRunStack } from './run-stack.js';

/** A plan (`run -f plan.json`, `suite plan.json`): scenario + sets + thresholds, run in order. */
const planEntry = z.strictObject({
  scenario: z.string().min(1),
  set: z.array(z.string()).default([]),
  threshold: z.array(z.string()).optional(),
  repeat: z.number().int().min(1).optional(),
  /** true: a stack that cannot serve the run (the scenario's `cannotRun`, e.g. it needs the cluster topology) skips it with a line saying why, instead of failing the plan. */
  optional: z.boolean().optional(),
});
const planSchema = z.union([z.array(planEntry), z.strictObject({ name: z.string().optional(), runs: z.array(planEntry).min(1) })]);
export type PlanEntry = z.infer<typeof planEntry>;

export function loadPlan(file: string): { name: string; runs: PlanEntry[] } {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ChatlabError(ErrorCodes.CONFIG, `plan ${file}: ${errorMessage(e).split('\n')[0]}`);
  }
  const parsed = planSchema.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new ChatlabError(ErrorCodes.CONFIG, `plan ${file}: ${i.path.join('.') || 'top level'}: ${i.message} (expected {"runs":[{"scenario","set"?,"threshold"?,"repeat"?}]})`);
  }
  const name = path.basename(file).replace(/\.json$/, '');
  return Array.isArray(parsed.data) ? { name, runs: parsed.data } : { name: parsed.data.name ?? name, runs: parsed.data.runs };
}

/** Why the stack in this state dir cannot serve any variant of the run (undefined: it can serve them all). */
export async function unfitReason(r: PlanEntry, globals: GlobalOptions): Promise<string | undefined> {
  const state = readState(stateDirFrom(globals));
  if (!state) return undefined;
  const { def, sets } = await checkRunInput(r.scenario, { set: r.set, threshold: r.threshold, repeat: r.repeat });
  return prepareRun(def, sets, r.threshold).map((v) => def.cannotRun?.(v.params, state)).find((why) => why !== undefined);
}

/**
 * Runs a list of scenario runs on one stack (the running one, or one started for the list),
 * after checking every entry's input; returns the worst exit code and the run folders.
 */
export async function runPlan(
  name: string,
  runs: PlanEntry[],
  o: { out: string; infra: string; json?: boolean },
  globals: GlobalOptions,
): Promise<{ code: number; outDir: string; reports: string[] }> {
  const c = makeChalk(process.stderr);
  for (const [i, r] of runs.entries()) {
    await checkRunInput(r.scenario, { set: r.set, threshold: r.threshold, repeat: r.repeat }).catch((e: unknown) => {
      throw new ChatlabError(ErrorCodes.CONFIG, `${name} run ${i + 1} (${r.scenario}): ${errorMessage(e)}`);
    });
  }
  const stateDir = stateDirFrom(globals);
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(Exit.USAGE);
    err(c.yellow('interrupting the plan (the finished runs are kept)'));
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const running = readState(stateDir);
  const outDir = path.join(o.out, `suite-${name}-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
  const reports: string[] = [];
  let worst = 0;
  let own;
  try {
    if (running?.phase === 'running') await assertHealthy(stateDir, globals);
    else own = await startRunStack(path.join(stateDir, 'run-stacks', String(process.pid)), o.infra, 2, controller.signal);
    const runGlobals = own ? { ...globals, stateDir: own.state.stateDir } : globals;
    for (const [i, r] of runs.entries()) {
      if (controller.signal.aborted) return { code: Exit.USAGE, outDir, reports };
      const why = r.optional ? await unfitReason(r, runGlobals) : undefined;
      if (why) {
        err(c.yellow(`${name}: ${i + 1}/${runs.length} ${r.scenario} skipped: ${why}`));
        continue;
      }
      err(c.bold(`${name}: ${i + 1}/${runs.length} ${r.scenario} ${r.set.join(' ')}`));
      const code = await runCommand(r.scenario, { set: r.set, threshold: r.threshold, repeat: r.repeat, json: false }, runGlobals, { outDir, onReport: (d) => reports.push(d), signal: controller.signal });
      worst = Math.max(worst, code);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (own) await stopRunStack(own);
  }
  return { code: controller.signal.aborted ? Exit.USAGE : worst, outDir, reports };
}

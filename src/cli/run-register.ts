import type { Command } from 'commander';
import { describeScenario, THRESHOLD_GRAMMAR } from '../scenario/index.js';
import { scenarios } from '../../scenarios/index.js';
import { type GlobalOptions } from './context.js';
import { exitCodeFor, exitSoonAfterDone } from './exit-codes.js';
import { out, reportError } from './output.js';
import { loadPlan, runPlan } from './plan.js';
import { runCommand, runState } from './run.js';
import { ChatlabError, ErrorCodes } from '../core/index.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** `run --help`: each scenario's parameters with their defaults, from the definitions. */
export function scenarioParamsHelp(): string {
  return Object.values(scenarios)
    .map((d) => {
      const info = describeScenario(d);
      return `  ${info.name}: ${info.params.map((p) => `${p.name}=${p.default === undefined ? '…' : String(p.default)}`).join(' ')}`;
    })
    .join('\n');
}

export function registerRun(program: Command): void {
  program
    .command('run [scenario]')
    .description('run a scenario (a name, or a ./file.ts|.js) and write a report; refuses bad input and an unhealthy stack before anything starts')
    .option('--set <key=value[,value...]>', 'scenario parameter; a comma list runs each value as a variant (repeatable)', collect)
    .option('--threshold <expr>', `replace the scenario thresholds (repeatable): ${THRESHOLD_GRAMMAR}`, collect)
    .option('--repeat <n>', 'run each variant N times, interleaved (A B A B …); reports give the median and min–max, and name a winner only when the ranges are apart', '1')
    .option('--baseline <run dir>', 'regression gate: exit 1 when a measure is worse than this run by more than --max-regress and its noise floor (docs/thresholds.md)')
    .option('--max-regress <pct>', 'tolerance of the --baseline gate', '10%')
    .option('-f, --file <plan.json>', 'run a plan: {"runs":[{"scenario","set"?,"threshold"?,"repeat"?}]}')
    .option('--out <dir>', 'base folder for the run folder', 'reports')
    .option('--seed <n>', 'random seed', '1')
    .option('--infra <provider>', 'when no stack runs: the provider for the stack the run starts and stops itself', 'auto')
    .option('--gateways <n>', 'when no stack runs: gateways to start', '2')
    .option('--json', 'print the result object (as report.json) on stdout')
    .addHelpText(
      'after',
      `
Scenarios and their parameters (defaults); \`chatlab scenarios <name>\` says what each means:
${scenarioParamsHelp()}

Thresholds: ${THRESHOLD_GRAMMAR}. Measures: the checker's counts (sent, acked, delivered,
lost, duplicates, reordered, late, hot.ackedNotStored …), latency (count p50 p90 p99 p999 max,
in ms), peakConnections, and each scenario's own (\`chatlab scenarios <name>\`); docs/thresholds.md.

Examples:
  $ chatlab run reconnect-race
  $ chatlab run reconnect-race --set clients=50 --set backoff=none,full-jitter
  $ chatlab run large-group-fanout --set sizes=10/100 --threshold "p(99)<250ms" --threshold "lost == 0"
  $ chatlab run hot-path --repeat 3 --baseline reports/2026-01-01T00-00-00-hot-path --max-regress 15%
  $ chatlab run ./my-scenario.ts --set users=20
  $ chatlab run -f plan.json`,
    )
    .action(async (name: string | undefined, raw: Record<string, unknown>, cmd: Command) => {
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      if (typeof raw['file'] === 'string') {
        try {
          if (name) throw new ChatlabError(ErrorCodes.CONFIG, `give a scenario or -f ${raw['file']}, not both`);
          const plan = loadPlan(raw['file']);
          const { code, outDir } = await runPlan(plan.name, plan.runs, { out: String(raw['out'] ?? 'reports'), infra: String(raw['infra'] ?? 'auto') }, globals);
          out(`plan ${plan.name}: reports in ${outDir}`);
          process.exitCode = code;
        } catch (e) {
          reportError(e);
          process.exitCode = Math.max(2, exitCodeFor(e));
        }
        exitSoonAfterDone();
        return;
      }
      if (!name) {
        reportError(new ChatlabError(ErrorCodes.CONFIG, `run: name a scenario (${Object.keys(scenarios).join(', ')}) or give -f plan.json`));
        process.exitCode = 2;
        return;
      }
      process.exitCode = await runCommand(name, raw, globals);
      // an interrupted scenario may still sleep in the background: everything is cleaned up, so go
      if (runState.interrupted) process.exit(process.exitCode);
      exitSoonAfterDone();
    });
}


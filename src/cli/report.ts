import path from 'node:path';
import type { Command } from 'commander';
import { compareContext, compareRuns, loadRunResult, renderCompareMarkdown, renderCompareTable } from '../report/index.js';
import { colorEnabled, out, printJson, reportError } from './output.js';
import { exitCodeFor } from './exit-codes.js';

/** `chatlab report compare <runA> <runB>`: two runs side by side, with deltas and ratios. */
export function registerReport(program: Command): void {
  const report = program.command('report').description('read and compare run reports');
  report
    .command('compare')
    .description('side-by-side table of two runs (run folders or report.json files) with deltas and ratios')
    .argument('<runA>', 'run folder or report.json (the baseline)')
    .argument('<runB>', 'run folder or report.json')
    .option('--json', 'print the rows as JSON')
    .option('--markdown', 'print a Markdown table')
    .addHelpText('after', '\nExamples:\n  $ chatlab report compare reports/run-a reports/run-b\n  $ chatlab report compare reports/run-a/report.json reports/run-b --markdown >> $GITHUB_STEP_SUMMARY')
    .action((runA: string, runB: string, opts: { json?: boolean; markdown?: boolean }) => {
      try {
        const a = loadRunResult(runA);
        const b = loadRunResult(runB);
        const rows = compareRuns(a, b);
        const context = compareContext(a, b);
        const labels = { a: `${label(runA, a.runId)} (${a.scenario})`, b: `${label(runB, b.runId)} (${b.scenario})` };
        if (opts.json) printJson({ a: { path: runA, runId: a.runId, scenario: a.scenario }, b: { path: runB, runId: b.runId, scenario: b.scenario }, ...context, rows });
        else if (opts.markdown) out(renderCompareMarkdown(rows, labels, context));
        else out(renderCompareTable(rows, labels, colorEnabled(), context));
        process.exitCode = 0;
      } catch (e) {
        reportError(e, opts.json);
        process.exitCode = exitCodeFor(e);
      }
    });
}

/** The run id when the report has one, else the folder name: short enough for a column head. */
function label(target: string, runId: string): string {
  if (runId) return runId;
  const base = path.basename(target);
  return base === 'report.json' ? path.basename(path.dirname(target)) : base;
}

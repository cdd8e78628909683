import type { Command } from 'commander';
import { stopStack } from '../stack/index.js';
import { stateDirFrom, type GlobalOptions } from './context.js';
import { exitCodeFor } from './exit-codes.js';
import { err, makeChalk, out, printJson, reportError } from './output.js';

export function registerDown(program: Command): void {
  program
    .command('down')
    .description('stop everything `chatlab up` started')
    .option('--json', 'print what was stopped as JSON')
    .addHelpText('after', '\nExamples:\n  $ chatlab down\n  $ chatlab --state-dir /tmp/lab down')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const c = makeChalk(process.stderr);
      try {
        const report = await stopStack(stateDirFrom(cmd.optsWithGlobals() as GlobalOptions), (line) => err(c.dim(line)));
        if (opts.json) printJson(report);
        else out(report.found ? `stopped: ${report.stopped.join(', ') || 'nothing was left running'}` : 'nothing running');
        process.exitCode = 0;
      } catch (e) {
        reportError(e, opts.json);
        process.exitCode = exitCodeFor(e);
      }
    });
}

import type { Command } from 'commander';
import { ChatlabError, ErrorCodes, signToken, userIdSchema } from '../core/index.js';
import { readState } from '../stack/index.js';
import { hint, stateDirFrom, type GlobalOptions } from './context.js';
import { exitCodeFor } from './exit-codes.js';
import { out, reportError } from './output.js';

export function registerToken(program: Command): void {
  program
    .command('token <userId>')
    .description('print a bearer token for that user, for the running stack')
    .option('--ttl <seconds>', 'lifetime in seconds (default: 86400, one day)')
    .addHelpText('after', '\nExamples:\n  $ chatlab token alice\n  $ TOKEN=$(chatlab token alice --ttl 3600)')
    .action((userId: string, opts: { ttl?: string }, cmd: Command) => {
      try {
        if (!userIdSchema.safeParse(userId).success) {
          throw new ChatlabError(ErrorCodes.CONFIG, `"${userId}" is not a user id: 1..64 characters of [A-Za-z0-9_-]`);
        }
        const ttl = opts.ttl === undefined ? undefined : Number(opts.ttl);
        if (ttl !== undefined && !(Number.isInteger(ttl) && ttl > 0)) throw new ChatlabError(ErrorCodes.CONFIG, `--ttl: expected a whole number of seconds (got "${opts.ttl}")`);
        const globals = cmd.optsWithGlobals() as GlobalOptions;
        const state = readState(stateDirFrom(globals));
        if (!state) throw new ChatlabError(ErrorCodes.NOT_RUNNING, `no stack is running: tokens are signed with the running stack's secret (start it with \`${hint(globals, 'up --detach')}\`)`);
        out(signToken(userId, state.secret, { ttlSec: ttl }));
        process.exitCode = 0;
      } catch (e) {
        reportError(e);
        process.exitCode = exitCodeFor(e);
      }
    });
}

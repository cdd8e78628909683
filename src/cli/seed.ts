import type { Command } from 'commander';
import { ChatlabError, ErrorCodes } from '../core/index.js';
import { readState } from '../stack/index.js';
import { seedOptionsSchema, seedStack } from '../stack/index.js';
import { hint, stateDirFrom, type GlobalOptions } from './context.js';
import { configError, exitCodeFor } from './exit-codes.js';
import { err, makeChalk, out, printJson, reportError } from './output.js';

export function registerSeed(program: Command): void {
  program
    .command('seed')
    .description('create users, friendships (as direct conversations) and group conversations')
    .option('--users <n>', 'number of users', '100')
    .option('--friends <k>', 'friends per user (direct conversations)', '4')
    .option('--groups <spec>', 'group sizes, e.g. 3x50,1x500')
    .option('--prefix <p>', 'user id prefix', 'user')
    .option('--seed <n>', 'random seed for group membership', '1')
    .option('--json', 'print the created users and conversations as JSON')
    .addHelpText('after', '\nExamples:\n  $ chatlab seed\n  $ chatlab seed --users 1000 --friends 8 --groups 3x50,1x500 --json > seeded.json')
    .action(async (raw: Record<string, unknown>, cmd: Command) => {
      const json = raw['json'] === true;
      try {
        const parsed = seedOptionsSchema.safeParse(raw);
        if (!parsed.success) throw configError(parsed.error.issues, raw);
        const globals = cmd.optsWithGlobals() as GlobalOptions;
        const state = readState(stateDirFrom(globals));
        if (!state?.endpoints || state.phase !== 'running') throw new ChatlabError(ErrorCodes.NOT_RUNNING, `no stack is running (start it with \`${hint(globals, 'up --detach')}\`)`);
        const c = makeChalk(process.stderr);
        let last = 0;
        const result = await seedStack(state.endpoints, state.keyspace ?? 'chatlab', parsed.data, (done, total) => {
          if (Date.now() - last > 1000 || done === total) {
            last = Date.now();
            err(c.dim(`seeding: ${done}/${total} conversations`));
          }
        }, state.secret);
        if (json) printJson(result);
        else out(`seeded ${result.users.length} users, ${result.directs.length} direct conversations, ${result.groups.length} groups (${result.groups.map((g) => g.size).join(', ') || 'none'})`);
        process.exitCode = 0;
      } catch (e) {
        reportError(e, json);
        process.exitCode = exitCodeFor(e);
      }
    });
}

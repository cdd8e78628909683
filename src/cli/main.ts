import { Command, CommanderError } from 'commander';
import { registerDoctor } from './doctor.js';
import { registerDown } from './down.js';
import { EXIT_CODES_HELP, exitCodeFor } from './exit-codes.js';
import { reportError } from './output.js';
import { registerStatus } from './status.js';
import { registerReport } from './report.js';
import { registerRun } from './run-register.js';
import { registerScenarios } from './scenarios.js';
import { registerSeed } from './seed.js';
import { registerSize } from './size.js';
import { registerCalibrate } from './calibrate.js';
import { registerSuite } from './suite.js';
import { scenarios } from '../../scenarios/index.js';
import { registerToken } from './token.js';
import { registerUp } from './up.js';

// `chatlab scenarios | head`: a closed pipe ends the output, not the process with a stack trace
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const program = new Command()
  .name('chatlab')
  .description('Run one chat-system design for real on one machine, and put it under load and faults.')
  .version('0.1.0')
  .option('--state-dir <dir>', 'where the running stack keeps its state, data and logs (default $CHATLAB_HOME or ~/.chatlab)')
  .showHelpAfterError()
  .exitOverride();

registerUp(program);
registerStatus(program);
registerDown(program);
registerToken(program);
registerSeed(program);
registerRun(program);
registerScenarios(program);
registerReport(program);
registerSuite(program, () => Object.keys(scenarios));
registerDoctor(program);
registerSize(program);
registerCalibrate(program);
program.addHelpText('after', '\nExamples:\n  $ chatlab doctor\n  $ chatlab up --detach\n  $ chatlab scenarios\n  $ chatlab run reconnect-race\n  $ chatlab down');
// one table for every command, in every command's help
program.addHelpText('afterAll', EXIT_CODES_HELP);
for (const cmd of [...program.commands, ...program.commands.flatMap((c) => c.commands)]) cmd.exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // help and version exit 0; usage errors exit 2 (commander already printed the message)
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else {
    reportError(e);
    process.exitCode = exitCodeFor(e);
  }
}

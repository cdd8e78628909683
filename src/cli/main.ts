import { Command, CommanderError } from 'commander';
import { registerDown } from './down.js';
import { reportError } from './output.js';
import { registerStatus } from './status.js';
import { registerReport } from './report.js';
import { registerRun } from './run.js';
import { registerSeed } from './seed.js';
import { registerSuite } from './suite.js';
import { scenarios } from '../../scenarios/index.js';
import { registerToken } from './token.js';
import { registerUp } from './up.js';

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
registerReport(program);
registerSuite(program, () => Object.keys(scenarios));

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // help and version exit 0; usage errors exit 2 (commander already printed the message)
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else {
    reportError(e);
    process.exitCode = 1;
  }
}

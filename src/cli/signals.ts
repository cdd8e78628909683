import { killAllSpawnedSync } from '../infra/index.js';
import { err, type makeChalk } from './output.js';

/**
 * Ctrl-C manners of a command that owns processes: the first signal asks it to wind down
 * (`first`), a second one kills everything it spawned at once and exits with `killExitCode`.
 */
export function twoStepInterrupt(c: ReturnType<typeof makeChalk>, killExitCode: number, first: (signal: NodeJS.Signals) => void): (signal: NodeJS.Signals) => void {
  let signals = 0;
  return (signal) => {
    signals += 1;
    if (signals > 1) {
      err(c.red(`${signal} again: killing everything now`));
      killAllSpawnedSync();
      process.exit(killExitCode);
    }
    first(signal);
  };
}

import { ChatlabError, ErrorCodes } from '../core/index.js';

/** One table of exit codes for every command (printed in each command's help). */
export const Exit = {
  OK: 0,
  /** a threshold or the regression gate failed (run, suite); a part is unhealthy (status); the stack failed to start (up); no provider can start the stack (doctor); any other failure */
  FAILED: 1,
  /** bad input (CHATLAB_E_CONFIG: options, --set, thresholds, scenario names) or a run that could not be done (unhealthy stack, interrupted) */
  USAGE: 2,
  /** nothing running (status, token, seed) */
  NOT_RUNNING: 3,
} as const;

export const EXIT_CODES_HELP = `
Exit codes (every command):
  0  ok: every threshold holds, the stack is healthy, the command did what it says
  1  failed: a threshold or --baseline regression (run, suite), a part unhealthy (status),
     the stack failed to start (up), no provider can start the stack (doctor)
  2  bad input (CHATLAB_E_CONFIG: an option, --set, --threshold, a scenario name) or a run
     that could not be done (unhealthy stack, Ctrl-C)
  3  nothing running (status, token, seed)`;

/** The exit code an error means, the same in every command. */
export function exitCodeFor(e: unknown): number {
  if (e instanceof ChatlabError) {
    if (e.code === ErrorCodes.CONFIG) return Exit.USAGE;
    if (e.code === ErrorCodes.NOT_RUNNING) return Exit.NOT_RUNNING;
  }
  return Exit.FAILED;
}

/** Zod issues as one line that names the flag: `--gateways: expected a number (got "x")`. */
export function flagIssues(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>, raw: Record<string, unknown>): string {
  return issues
    .map((i) => {
      const key = String(i.path[0] ?? '');
      const flag = `--${key.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}`;
      const got = raw[key];
      const message = /expected number, received NaN/.test(i.message) ? 'expected a number' : i.message.replace(/^--[a-z-]+:? /, '');
      return `${flag}: ${message}${typeof got === 'string' ? ` (got "${got}")` : ''}`;
    })
    .join('; ');
}

export function configError(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>, raw: Record<string, unknown>): ChatlabError {
  return new ChatlabError(ErrorCodes.CONFIG, flagIssues(issues, raw));
}

/**
 * The report is written and every pool, stack and client was closed; a driver reconnecting to
 * a restarted Cassandra once kept a finished `run` alive for minutes (restart-cassandra at 500
 * clients). Whatever still holds the event loop gets a grace period, then the exit code goes out.
 */
export function exitSoonAfterDone(graceMs = 3000): void {
  setTimeout(() => process.exit(process.exitCode ?? 0), graceMs).unref();
}

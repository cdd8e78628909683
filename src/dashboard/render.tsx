import { render } from 'ink';
import { Dashboard } from './Dashboard.js';
import { formatPlainLine } from './format.js';
import type { DashboardState } from './state.js';

export interface RenderDashboardOptions {
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  /** Draw with ink; default: stdout is a TTY. Off it, plain lines go to `write`. */
  tty?: boolean;
  /** ink redraw period (~4/s). */
  refreshMs?: number;
  /** Plain-line period: at most one every few seconds keeps CI logs readable. */
  plainEveryMs?: number;
  /** Where plain lines go; default stdout. */
  write?: (line: string) => void;
  /** `q` or Ctrl-C on a TTY. The caller decides what quitting stops; the dashboard stays up until stop(). */
  onQuit?: () => void;
}

export interface DashboardHandle {
  readonly mode: 'ink' | 'plain';
  /** Idempotent. Plain mode prints one last line, so a log ends with the final numbers. */
  stop(): void;
}

/**
 * Mounts the live view. It only reads `getState()`: whatever drives the run (engine events,
 * a MetricsPoller) writes the state, and the view polls it at its own pace.
 */
export function renderDashboard(getState: () => DashboardState, opts: RenderDashboardOptions = {}): DashboardHandle {
  const stdout = opts.stdout ?? process.stdout;
  const tty = opts.tty ?? Boolean(stdout.isTTY);
  let stopped = false;

  if (!tty) {
    const write = opts.write ?? ((line: string) => void stdout.write(`${line}\n`));
    const timer = setInterval(() => write(formatPlainLine(getState())), opts.plainEveryMs ?? 5000);
    timer.unref();
    return {
      mode: 'plain',
      stop() {
        if (stopped) return;
        stopped = true;
        clearInterval(timer);
        write(formatPlainLine(getState()));
      },
    };
  }

  let quitting = false;
  const onQuit = () => {
    // One quit per dashboard: key repeat must not start two shutdowns.
    if (quitting) return;
    quitting = true;
    opts.onQuit?.();
  };
  const view = () => <Dashboard state={getState()} onQuit={onQuit} />;
  // Ctrl-C is ours (raw mode swallows SIGINT), so quitting runs the owner's shutdown.
  const app = render(view(), { stdout, stdin: opts.stdin ?? process.stdin, exitOnCtrlC: false, patchConsole: false });
  const timer = setInterval(() => app.rerender(view()), opts.refreshMs ?? 250);
  timer.unref();
  return {
    mode: 'ink',
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      app.rerender(view());
      app.unmount();
    },
  };
}

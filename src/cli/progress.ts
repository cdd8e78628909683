import type { ChalkInstance } from 'chalk';
import type { ProgressEvent } from '../infra/index.js';
import { oneLine } from './output.js';

/**
 * Prints start-up progress, one line per real change. Repetitive lines (jar downloads) are
 * throttled per component: at most one a second on a TTY, one every 5 s elsewhere.
 */
export function progressPrinter(c: ChalkInstance, write: (line: string) => void, isTty: boolean) {
  const started = Date.now();
  const lastPhase = new Map<string, string>();
  const lastPrinted = new Map<string, number>();
  const throttleMs = isTty ? 1000 : 5000;
  const badge: Record<ProgressEvent['phase'], string> = {
    preparing: c.cyan('preparing'),
    starting: c.cyan('starting '),
    waiting: c.yellow('waiting  '),
    ready: c.green('ready    '),
    failed: c.red('failed   '),
    stopping: c.yellow('stopping '),
    stopped: c.dim('stopped  '),
  };
  return (e: ProgressEvent) => {
    const now = Date.now();
    const samePhase = lastPhase.get(e.component) === e.phase;
    if (samePhase && now - (lastPrinted.get(e.component) ?? 0) < throttleMs) return;
    lastPhase.set(e.component, e.phase);
    lastPrinted.set(e.component, now);
    const t = ((now - started) / 1000).toFixed(1).padStart(5);
    write(`${c.dim(`${t}s`)}  ${e.component.padEnd(10)} ${badge[e.phase]} ${e.detail ? c.dim(oneLine(e.detail)) : ''}`.trimEnd());
  };
}

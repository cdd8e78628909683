import { ChatlabError, ErrorCodes, errorMessage, isChatlabError } from '../../core/index.js';
import { spawnOwned, tailFile, type RunningProcess, type SpawnSpec } from '../process.js';
import { waitUntil } from '../readiness.js';
import type { ComponentName, ProgressFn } from '../types.js';

export interface LaunchSpec<T> extends SpawnSpec {
  component: ComponentName;
  /** Resolves once the process is really ready (and returns e.g. its version). */
  ready: () => Promise<T>;
  readyWhat: string;
  timeoutMs: number;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
}

/**
 * Spawns one backing process and waits for its readiness check. If it exits, times out or the
 * start is aborted, the process is stopped and the error carries the tail of its log.
 */
export async function launch<T>(spec: LaunchSpec<T>): Promise<{ proc: RunningProcess; result: T }> {
  spec.onProgress?.({ component: spec.component, phase: 'starting', detail: `${spec.command} (log: ${spec.logFile})` });
  const proc = spawnOwned(spec);
  const onAbort = () => void proc.stop(2000);
  spec.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    spec.onProgress?.({ component: spec.component, phase: 'waiting', detail: spec.readyWhat });
    const result = await waitUntil(spec.ready, {
      what: spec.readyWhat,
      timeoutMs: spec.timeoutMs,
      intervalMs: 500,
      signal: spec.signal,
      fatal: () => (proc.exited() ? `the ${spec.component} process ${proc.exited()}` : null),
    });
    return { proc, result };
  } catch (err) {
    await proc.stop(3000);
    if (isChatlabError(err, ErrorCodes.ABORTED)) throw err;
    throw new ChatlabError(ErrorCodes.INFRA_START, `${spec.component} failed to start: ${errorMessage(err)}`, {
      details: `last lines of ${spec.logFile}:\n${tailFile(spec.logFile)}`,
      cause: err,
    });
  } finally {
    spec.signal?.removeEventListener('abort', onAbort);
  }
}

import { setMaxListeners } from 'node:events';
import { ChatlabError, ErrorCodes } from '../core/index.js';
import type { ProgressFn } from './types.js';

export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * Starts several components in parallel. If any fails (or the outer signal aborts), the others
 * are told to abort, everything that did start is stopped, and the first error is rethrown —
 * a failed start leaves nothing running (docs/architecture.md#conventions).
 */
export async function startAll<M extends Record<string, Stoppable>>(
  starters: { [K in keyof M]: (signal: AbortSignal) => Promise<M[K]> },
  options: { signal?: AbortSignal; onProgress?: ProgressFn } = {},
): Promise<M> {
  type K = keyof M & string;
  const inner = new AbortController();
  // each component's processes and readiness waits listen on it: a cluster's six nodes pass Node's default of 10
  setMaxListeners(64, inner.signal);
  const onOuterAbort = () => inner.abort();
  if (options.signal?.aborted) inner.abort();
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const names = Object.keys(starters) as K[];
  let firstError: unknown;
  const settled = await Promise.allSettled(
    names.map(async (name) => {
      try {
        const started = await starters[name](inner.signal);
        options.onProgress?.({ component: name, phase: 'ready' });
        return started;
      } catch (err) {
        if (firstError === undefined && !inner.signal.aborted) firstError = err;
        options.onProgress?.({ component: name, phase: 'failed', detail: err instanceof Error ? err.message : String(err) });
        inner.abort();
        throw err;
      }
    }),
  );
  options.signal?.removeEventListener('abort', onOuterAbort);
  const failed = settled.some((s) => s.status === 'rejected') || options.signal?.aborted;
  if (!failed) {
    return Object.fromEntries(names.map((n, i) => [n, (settled[i] as PromiseFulfilledResult<Stoppable>).value])) as M;
  }
  await Promise.allSettled(
    settled.map(async (s, i) => {
      if (s.status !== 'fulfilled') return;
      options.onProgress?.({ component: names[i]!, phase: 'stopping' });
      await s.value.stop();
      options.onProgress?.({ component: names[i]!, phase: 'stopped' });
    }),
  );
  if (firstError !== undefined) throw firstError;
  const rejected = settled.find((s) => s.status === 'rejected') as PromiseRejectedResult | undefined;
  throw rejected?.reason ?? new ChatlabError(ErrorCodes.ABORTED, 'start aborted');
}

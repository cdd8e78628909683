import { setTimeout as sleep } from 'node:timers/promises';
import { ChatlabError, ErrorCodes, errorMessage } from '../core/index.js';

export interface WaitOptions {
  /** What is awaited, in words: it ends up in the timeout message. */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
  /** Checked between attempts: a reason to give up early (e.g. the process exited). */
  fatal?: () => string | null;
}

/**
 * Polls `check` until it resolves (docs/architecture.md#conventions: readiness is an explicit check with a timeout
 * and a message saying what was awaited and what the last attempt said).
 */
export async function waitUntil<T>(check: () => Promise<T>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = 'no attempt made';
  for (;;) {
    if (options.signal?.aborted) throw new ChatlabError(ErrorCodes.ABORTED, `aborted while waiting for ${options.what}`);
    const fatal = options.fatal?.();
    if (fatal) throw new ChatlabError(ErrorCodes.INFRA_START, `${options.what}: ${fatal}`);
    try {
      return await check();
    } catch (err) {
      lastError = errorMessage(err);
    }
    if (Date.now() >= deadline) {
      throw new ChatlabError(
        ErrorCodes.READINESS_TIMEOUT,
        `timed out after ${Math.round(options.timeoutMs / 1000)}s waiting for ${options.what} (last attempt: ${lastError})`,
      );
    }
    try {
      await sleep(options.intervalMs ?? 250, undefined, { signal: options.signal });
    } catch {
      // aborted: reported on the next loop turn
    }
  }
}

import type { Backoff } from './backoff.js';

/**
 * The reconnect state machine of a simulated client (DESIGN.md §Conventions 7, after
 * centrifuge-js). It owns no socket: the caller injects `connect()` and reports drops with
 * `onDisconnect()`. Keeping it free of I/O and timers (both injected) lets thousands of
 * clients in one load worker share one scheduler, and lets tests drive it with a fake one.
 *
 *   idle ──connect()──► connecting ──ok──► connected ──drop──► waiting ──timer──► connecting
 *                           └──────fail/drop──────────────────────┘
 *   any ──close()──► closed (final)
 */
export type ReconnectState = 'idle' | 'connecting' | 'connected' | 'waiting' | 'closed';

export interface Scheduler<H = unknown> {
  setTimeout(fn: () => void, ms: number): H;
  clearTimeout(handle: H): void;
}

export const realScheduler: Scheduler<ReturnType<typeof setTimeout>> = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h),
};

export interface ReconnectTransition {
  from: ReconnectState;
  to: ReconnectState;
  /** Connection attempts started so far, over the machine's life. */
  attempts: number;
  /** Set on entering `waiting`: how long until the next attempt. */
  delayMs?: number;
  /** Set on entering `waiting`: whether the delay came from the server's `reconnect` frame. */
  serverDelay?: boolean;
  /** Why the transition happened, when it was a failure or a drop. */
  error?: unknown;
}

export type ReconnectListener = (t: ReconnectTransition) => void;

export interface ReconnectOptions<H = unknown> {
  /** Opens the socket; resolves once it is usable, rejects if it could not be opened. */
  connect: () => Promise<void>;
  backoff: Backoff;
  scheduler: Scheduler<H>;
  /**
   * A connection must stay up this long before the backoff resets. Without it a gateway that
   * accepts then drops at once would be retried at the minimum delay forever. Default 5000.
   */
  stableAfterMs?: number;
}

export interface ReconnectMachine {
  readonly state: ReconnectState;
  /** Connection attempts started so far. */
  readonly attempts: number;
  /** Starts connecting from idle; a no-op in any other state (re-entry guard). */
  connect(): void;
  /**
   * The socket dropped. Schedules one retry when it was connected or connecting; ignored when
   * already waiting, idle or closed, so a transport that reports a failure twice (error, then
   * close) never schedules two attempts. `afterMs` overrides the backoff for this wait.
   */
  onDisconnect(info?: { afterMs?: number; error?: unknown }): void;
  /**
   * The server sent `{"type":"reconnect","afterMs"}`: the next wait uses that delay instead
   * of the backoff (the gateway knows when it will be back; jitter is its business then).
   */
  onReconnectFrame(afterMs: number): void;
  /** Stops for good: cancels any pending retry and ignores the outcome of one in flight. */
  close(): void;
  /** Adds a transition listener; returns a function that removes it. */
  on(listener: ReconnectListener): () => void;
}

export function createReconnector<H>(options: ReconnectOptions<H>): ReconnectMachine {
  const { backoff, scheduler } = options;
  const stableAfterMs = options.stableAfterMs ?? 5000;
  const listeners = new Set<ReconnectListener>();
  let state: ReconnectState = 'idle';
  let attempts = 0;
  // Bumped whenever an attempt stops mattering, so a late resolve/reject of a stale
  // connect() promise cannot move the machine.
  let generation = 0;
  let retryTimer: { handle: H } | undefined;
  let stableTimer: { handle: H } | undefined;
  let serverAfterMs: number | undefined;

  const emit = (to: ReconnectState, extra: Partial<ReconnectTransition> = {}) => {
    const from = state;
    if (from === to) return;
    state = to;
    const t: ReconnectTransition = { from, to, attempts, ...extra };
    for (const l of [...listeners]) l(t);
  };

  const clearTimer = (t: { handle: H } | undefined) => {
    if (t) scheduler.clearTimeout(t.handle);
    return undefined;
  };

  const startAttempt = () => {
    const gen = ++generation;
    attempts++;
    emit('connecting');
    // A listener may have closed the machine while hearing about it.
    if (gen !== generation) return;
    let pending: Promise<void>;
    try {
      pending = options.connect();
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      () => {
        if (gen !== generation || state !== 'connecting') return;
        serverAfterMs = undefined;
        emit('connected');
        if (gen !== generation) return;
        stableTimer = {
          handle: scheduler.setTimeout(() => {
            stableTimer = undefined;
            if (gen === generation && state === 'connected') backoff.reset();
          }, stableAfterMs),
        };
      },
      (err: unknown) => {
        if (gen !== generation || state !== 'connecting') return;
        scheduleRetry(undefined, err);
      },
    );
  };

  const scheduleRetry = (afterMs: number | undefined, error: unknown) => {
    generation++;
    stableTimer = clearTimer(stableTimer);
    const override = afterMs ?? serverAfterMs;
    serverAfterMs = undefined;
    const delayMs = override !== undefined ? Math.max(0, override) : backoff.next();
    const extra: Partial<ReconnectTransition> = { delayMs, serverDelay: override !== undefined };
    if (error !== undefined) extra.error = error;
    const gen = generation;
    emit('waiting', extra);
    if (gen !== generation) return;
    retryTimer = {
      handle: scheduler.setTimeout(() => {
        retryTimer = undefined;
        if (state === 'waiting') startAttempt();
      }, delayMs),
    };
  };

  return {
    get state() {
      return state;
    },
    get attempts() {
      return attempts;
    },
    connect() {
      if (state === 'idle') startAttempt();
    },
    onDisconnect(info = {}) {
      if (state !== 'connected' && state !== 'connecting') return;
      scheduleRetry(info.afterMs, info.error);
    },
    onReconnectFrame(afterMs) {
      if (state === 'closed' || !Number.isFinite(afterMs)) return;
      serverAfterMs = afterMs;
    },
    close() {
      if (state === 'closed') return;
      generation++;
      retryTimer = clearTimer(retryTimer);
      stableTimer = clearTimer(stableTimer);
      serverAfterMs = undefined;
      emit('closed');
      listeners.clear();
    },
    on(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

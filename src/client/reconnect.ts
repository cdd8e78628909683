import type { Backoff } from './backoff.js';

/**
 * The reconnect state machine of a simulated client (a pure backoff
 * plus a machine that emits only real transitions and guards re-entry, after centrifuge-js). It owns no socket: the caller injects `connect()` and reports drops with
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
  return new Reconnector(options);
}

/**
 * The machine as a class rather than a dozen closures: a load worker holds one per simulated
 * client, and a closure object of this size cost ~1 KB more per client.
 */
class Reconnector<H> implements ReconnectMachine {
  #state: ReconnectState = 'idle';
  #attempts = 0;
  // Bumped whenever an attempt stops mattering, so a late resolve/reject of a stale
  // connect() promise cannot move the machine.
  #generation = 0;
  #retryTimer: { handle: H } | undefined;
  #stableTimer: { handle: H } | undefined;
  #serverAfterMs: number | undefined;
  #listeners: ReconnectListener[] = [];
  readonly #options: ReconnectOptions<H>;

  constructor(options: ReconnectOptions<H>) {
    this.#options = options;
  }

  get state(): ReconnectState {
    return this.#state;
  }

  get attempts(): number {
    return this.#attempts;
  }

  connect(): void {
    if (this.#state === 'idle') this.#startAttempt();
  }

  onDisconnect(info: { afterMs?: number; error?: unknown } = {}): void {
    if (this.#state !== 'connected' && this.#state !== 'connecting') return;
    this.#scheduleRetry(info.afterMs, info.error);
  }

  onReconnectFrame(afterMs: number): void {
    if (this.#state === 'closed' || !Number.isFinite(afterMs)) return;
    this.#serverAfterMs = afterMs;
  }

  close(): void {
    if (this.#state === 'closed') return;
    this.#generation++;
    this.#retryTimer = this.#clearTimer(this.#retryTimer);
    this.#stableTimer = this.#clearTimer(this.#stableTimer);
    this.#serverAfterMs = undefined;
    this.#emit('closed');
    this.#listeners = [];
  }

  on(listener: ReconnectListener): () => void {
    if (!this.#listeners.includes(listener)) this.#listeners.push(listener);
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  #emit(to: ReconnectState, extra: Partial<ReconnectTransition> = {}): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    const t: ReconnectTransition = { from, to, attempts: this.#attempts, ...extra };
    for (const l of [...this.#listeners]) l(t);
  }

  #clearTimer(t: { handle: H } | undefined): undefined {
    if (t) this.#options.scheduler.clearTimeout(t.handle);
    return undefined;
  }

  #startAttempt(): void {
    const gen = ++this.#generation;
    this.#attempts++;
    this.#emit('connecting');
    // A listener may have closed the machine while hearing about it.
    if (gen !== this.#generation) return;
    let pending: Promise<void>;
    try {
      pending = this.#options.connect();
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      () => {
        if (gen !== this.#generation || this.#state !== 'connecting') return;
        this.#serverAfterMs = undefined;
        this.#emit('connected');
        if (gen !== this.#generation) return;
        this.#stableTimer = {
          handle: this.#options.scheduler.setTimeout(() => {
            this.#stableTimer = undefined;
            if (gen === this.#generation && this.#state === 'connected') this.#options.backoff.reset();
          }, this.#options.stableAfterMs ?? 5000),
        };
      },
      (err: unknown) => {
        if (gen !== this.#generation || this.#state !== 'connecting') return;
        this.#scheduleRetry(undefined, err);
      },
    );
  }

  #scheduleRetry(afterMs: number | undefined, error: unknown): void {
    this.#generation++;
    this.#stableTimer = this.#clearTimer(this.#stableTimer);
    const override = afterMs ?? this.#serverAfterMs;
    this.#serverAfterMs = undefined;
    const delayMs = override !== undefined ? Math.max(0, override) : this.#options.backoff.next();
    const extra: Partial<ReconnectTransition> = { delayMs, serverDelay: override !== undefined };
    if (error !== undefined) extra.error = error;
    const gen = this.#generation;
    this.#emit('waiting', extra);
    if (gen !== this.#generation) return;
    this.#retryTimer = {
      handle: this.#options.scheduler.setTimeout(() => {
        this.#retryTimer = undefined;
        if (this.#state === 'waiting') this.#startAttempt();
      }, delayMs),
    };
  }
}

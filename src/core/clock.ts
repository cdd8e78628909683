/**
 * Time is injected everywhere (docs/architecture.md#conventions) so backoff, jitter and Snowflake
 * clock-skew handling can be tested by moving a ManualClock instead of sleeping for real.
 */
export interface Clock {
  /** Wall-clock time in ms since the Unix epoch. */
  now(): number;
  /** Resolves once `ms` have passed on this clock. */
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) =>
    new Promise<void>((resolve) => {
      setTimeout(resolve, Math.max(0, ms));
    }),
};

interface Sleeper {
  until: number;
  order: number;
  resolve: () => void;
}

/**
 * A clock that only moves when told to. Sleepers wake when the clock reaches their deadline,
 * earliest first; stepping the clock backwards (set) wakes no one, which is how a real
 * wall clock stepped back by NTP looks to code that waits on it.
 */
export class ManualClock implements Clock {
  #now: number;
  #sleepers: Sleeper[] = [];
  #order = 0;

  /** Defaults to 2025-01-01, after the chatlab Snowflake epoch, so ids can be made at once. */
  constructor(startMs: number = Date.UTC(2025, 0, 1)) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number): Promise<void> {
    if (!(ms > 0)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.#sleepers.push({ until: this.#now + ms, order: this.#order++, resolve });
    });
  }

  /** Jumps to an absolute time, forwards or backwards, waking any sleeper now due. */
  set(ms: number): void {
    this.#now = ms;
    this.#wake();
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`ManualClock.advance needs ms >= 0, got ${ms}`);
    this.set(this.#now + ms);
  }

  /**
   * Advances, then yields a macrotask turn so code resumed by the wake-ups has run (and
   * possibly gone back to sleep) before the caller looks at the result.
   */
  async tick(ms = 0): Promise<void> {
    this.advance(ms);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** How many sleeps are still waiting; lets a test see that code is blocked on time. */
  get pendingSleeps(): number {
    return this.#sleepers.length;
  }

  #wake(): void {
    const due = this.#sleepers.filter((s) => s.until <= this.#now);
    if (due.length === 0) return;
    this.#sleepers = this.#sleepers.filter((s) => s.until > this.#now);
    due.sort((a, b) => a.until - b.until || a.order - b.order);
    for (const s of due) s.resolve();
  }
}

/**
 * Maps `items` through `fn` with at most `limit` calls in flight; results keep the input order.
 * After a failure no new call starts, and the returned promise rejects with the first error
 * only once every call already started has settled: a caller that retries (the persist
 * worker, the receipts flush) never races a write still in flight from the failed attempt.
 */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  let firstError: unknown;
  await Promise.all(
    Array.from({ length: Math.min(Math.max(1, limit), items.length) }, async () => {
      while (!failed && next < items.length) {
        const i = next++;
        try {
          out[i] = await fn(items[i]!, i);
        } catch (err) {
          if (!failed) firstError = err;
          failed = true;
        }
      }
    }),
  );
  if (failed) throw firstError;
  return out;
}

/**
 * At most `max` calls of `run` in flight; up to `maxWaiting` more wait their turn in order, and
 * beyond that a call is refused at once (`refuse()` says with what), so a storm queues boundedly
 * instead of piling onto what it waits for.
 */
export class ConcurrencyLimit {
  #active = 0;
  #peak = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(
    readonly max: number,
    readonly maxWaiting: number,
    private readonly refuse: () => Error,
  ) {}

  get active(): number {
    return this.#active;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /** The most calls in flight at once so far. */
  get peak(): number {
    return this.#peak;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#active >= this.max) {
      if (this.#waiting.length >= this.maxWaiting) throw this.refuse();
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else this.#active++;
    this.#peak = Math.max(this.#peak, this.#active);
    try {
      return await fn();
    } finally {
      // the turn passes straight to the next waiter (active stays counted for it)
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active--;
    }
  }
}

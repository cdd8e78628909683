import { z } from 'zod';
import { ChatlabError, ErrorCodes, type Rng } from '../core/index.js';

/**
 * Reconnect delay policies. They are the variable a "thundering herd" scenario compares:
 * after a gateway dies, `exponential` brings every client back at the same instants, the
 * jittered ones spread them out (AWS Architecture Blog, "Exponential Backoff And Jitter").
 * Every delay is a pure function of (attempt, previous delay, rng) so tests need no timers.
 */
export const BACKOFF_POLICIES = ['none', 'exponential', 'full-jitter', 'decorrelated-jitter'] as const;
export type BackoffPolicy = (typeof BACKOFF_POLICIES)[number];

// Beyond 2^52 the product only overflows; any real cap is reached long before.
const MAX_EXPONENT = 52;

export const backoffOptionsSchema = z
  .object({
    policy: z.enum(BACKOFF_POLICIES),
    minMs: z.number().int().nonnegative(),
    maxMs: z.number().int().nonnegative(),
  })
  .strict()
  .refine((o) => o.maxMs >= o.minMs, { message: 'maxMs must be >= minMs', path: ['maxMs'] })
  // A growing policy multiplies minMs; from 0 it would stay at 0 and silently act like `none`.
  .refine((o) => o.policy === 'none' || o.minMs >= 1, {
    message: 'minMs must be >= 1 unless policy is "none"',
    path: ['minMs'],
  });

export type BackoffOptions = z.infer<typeof backoffOptionsSchema>;

/** min*2^attempt capped at max; attempt 0 is the first retry. */
export function exponentialCeiling(attempt: number, minMs: number, maxMs: number): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), MAX_EXPONENT);
  return Math.min(maxMs, minMs * 2 ** exponent);
}

export function noneDelay(): number {
  return 0;
}

export function exponentialDelay(attempt: number, minMs: number, maxMs: number): number {
  return exponentialCeiling(attempt, minMs, maxMs);
}

/** Uniform integer in [0, min(max, min*2^attempt)]. */
export function fullJitterDelay(attempt: number, minMs: number, maxMs: number, rng: Rng): number {
  return rng.int(0, exponentialCeiling(attempt, minMs, maxMs));
}

/**
 * min(max, uniform[min, prev*3]). Grows from the previous delay rather than the attempt
 * count, so clients that drew a short delay stay short a while: less herd than full jitter
 * at the same cap, at the price of state. A previous delay below min (first call) counts as min.
 */
export function decorrelatedJitterDelay(previousMs: number, minMs: number, maxMs: number, rng: Rng): number {
  const prev = Math.max(minMs, previousMs);
  return Math.min(maxMs, rng.int(minMs, Math.max(minMs, Math.floor(prev * 3))));
}

/** One delay for a policy; pure apart from the draws it takes from rng. */
export function backoffDelay(options: BackoffOptions, attempt: number, previousMs: number, rng: Rng): number {
  const { minMs, maxMs } = options;
  switch (options.policy) {
    case 'none':
      return noneDelay();
    case 'exponential':
      return exponentialDelay(attempt, minMs, maxMs);
    case 'full-jitter':
      return fullJitterDelay(attempt, minMs, maxMs, rng);
    case 'decorrelated-jitter':
      return decorrelatedJitterDelay(previousMs, minMs, maxMs, rng);
  }
}

export interface Backoff {
  readonly options: BackoffOptions;
  /** Consecutive delays handed out since the last reset. */
  readonly attempt: number;
  /** The delay before the next reconnect attempt, in whole ms; advances the attempt. */
  next(): number;
  /** Back to attempt 0, e.g. once a connection has stayed up. */
  reset(): void;
}

export function parseBackoffOptions(input: unknown): BackoffOptions {
  const parsed = backoffOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message));
    throw new ChatlabError(ErrorCodes.CONFIG, `invalid backoff options: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** Options objects already validated: a load worker makes thousands of backoffs from one. */
const validated = new WeakMap<BackoffOptions, BackoffOptions>();

/** Validates once at creation (throws CHATLAB_E_CONFIG), then never throws. */
export function createBackoff(options: BackoffOptions, rng: Rng): Backoff {
  let opts = validated.get(options);
  if (!opts) {
    opts = parseBackoffOptions(options);
    validated.set(options, opts);
  }
  return new BackoffState(opts, rng);
}

/** A class, not a closure object: a load worker holds one per simulated client (issue 11). */
class BackoffState implements Backoff {
  #attempt = 0;
  #previousMs = 0;

  constructor(
    readonly options: BackoffOptions,
    private readonly rng: Rng,
  ) {}

  get attempt(): number {
    return this.#attempt;
  }

  next(): number {
    const delay = backoffDelay(this.options, this.#attempt, this.#previousMs, this.rng);
    this.#attempt++;
    this.#previousMs = delay;
    return delay;
  }

  reset(): void {
    this.#attempt = 0;
    this.#previousMs = 0;
  }
}

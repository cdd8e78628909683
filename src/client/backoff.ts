import { ChatlabError, ErrorCodes, type Rng } from '../core/lean/index.js';

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

export interface BackoffOptions {
  policy: BackoffPolicy;
  minMs: number;
  maxMs: number;
}

const isMs = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

/**
 * What is wrong with a backoff options object, one line per field (empty when valid). Hand
 * written, not zod: a load worker validates here and should not load zod (docs/architecture.md#measuring).
 */
function backoffOptionsProblems(input: unknown): string[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return ['expected an object {policy, minMs, maxMs}'];
  const o = input as Record<string, unknown>;
  const problems = Object.keys(o)
    .filter((k) => k !== 'policy' && k !== 'minMs' && k !== 'maxMs')
    .map((k) => `${k}: unknown option`);
  if (!BACKOFF_POLICIES.includes(o.policy as BackoffPolicy)) problems.push(`policy: must be one of ${BACKOFF_POLICIES.join(', ')}`);
  if (!isMs(o.minMs)) problems.push('minMs: must be a whole number of ms >= 0');
  if (!isMs(o.maxMs)) problems.push('maxMs: must be a whole number of ms >= 0');
  if (problems.length > 0) return problems;
  if ((o.maxMs as number) < (o.minMs as number)) problems.push('maxMs: maxMs must be >= minMs');
  // A growing policy multiplies minMs; from 0 it would stay at 0 and silently act like `none`.
  if (o.policy !== 'none' && (o.minMs as number) < 1) problems.push('minMs: minMs must be >= 1 unless policy is "none"');
  return problems;
}

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
  const problems = backoffOptionsProblems(input);
  if (problems.length > 0) throw new ChatlabError(ErrorCodes.CONFIG, `invalid backoff options: ${problems.join('; ')}`);
  const { policy, minMs, maxMs } = input as BackoffOptions;
  return { policy, minMs, maxMs };
}

const jitteredOf = new WeakMap<BackoffOptions, BackoffOptions>();

/**
 * The same bounds with full jitter whatever the policy (one object per options object, so
 * createBackoff validates it once): for retries that must never come in step, such as a
 * refused sync, even when the reconnect policy under test has no jitter.
 */
export function jittered(options: BackoffOptions): BackoffOptions {
  let j = jitteredOf.get(options);
  if (!j) {
    const minMs = Math.max(1, options.minMs);
    jitteredOf.set(options, (j = { policy: 'full-jitter', minMs, maxMs: Math.max(minMs, options.maxMs) }));
  }
  return j;
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

/** A class, not a closure object: a load worker holds one per simulated client. */
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

/**
 * Snowflake ids: 41 bits of ms since the chatlab epoch, 10 bits of worker id, 12 bits of
 * sequence. Ids from one worker rise strictly, and ids from different workers sort by time,
 * which is what lets Cassandra cluster messages by id and lets sync ask for "after <id>".
 * They exceed 2^53, so they travel as decimal strings and are composed with bigint.
 */
import { systemClock, type Clock } from './clock.js';
import { ChatlabError, ErrorCodes } from './errors.js';

export const CHATLAB_EPOCH_MS = Date.UTC(2024, 0, 1);

const WORKER_BITS = 10n;
const SEQUENCE_BITS = 12n;
export const MAX_WORKER_ID = (1 << Number(WORKER_BITS)) - 1; // 1023
export const MAX_SEQUENCE = (1 << Number(SEQUENCE_BITS)) - 1; // 4095
const MAX_TIMESTAMP = 2 ** 41 - 1;
const TIMESTAMP_SHIFT = WORKER_BITS + SEQUENCE_BITS;
/** An id divided by this (rounded down) is its milliseconds since the epoch: for code without bigint (a Lua script). */
export const SNOWFLAKE_MS_DIVISOR = 2 ** Number(TIMESTAMP_SHIFT);
const MAX_ID = (1n << 63n) - 1n;
const MAX_ID_STRING = MAX_ID.toString();
const DECIMAL = /^(?:0|[1-9][0-9]{0,18})$/;

export interface SnowflakeParts {
  /** Absolute ms since the Unix epoch (not since the chatlab epoch). */
  timestampMs: number;
  workerId: number;
  sequence: number;
}

export interface SnowflakeOptions {
  workerId: number;
  clock?: Clock;
  /** A backwards step up to this size is waited out; a larger one is refused. */
  maxBackwardsWaitMs?: number;
}

export interface SnowflakeStats {
  backwardsWaits: number;
  backwardsRefusals: number;
}

function compose(elapsedMs: number, workerId: number, sequence: number): string {
  return (
    (BigInt(elapsedMs) << TIMESTAMP_SHIFT) |
    (BigInt(workerId) << SEQUENCE_BITS) |
    BigInt(sequence)
  ).toString();
}

export class SnowflakeGenerator {
  readonly workerId: number;
  readonly stats: SnowflakeStats = { backwardsWaits: 0, backwardsRefusals: 0 };
  readonly #clock: Clock;
  readonly #maxBackwardsWaitMs: number;
  #lastElapsed = -1;
  #sequence = 0;

  constructor({ workerId, clock = systemClock, maxBackwardsWaitMs = 50 }: SnowflakeOptions) {
    if (!Number.isInteger(workerId) || workerId < 0 || workerId > MAX_WORKER_ID) {
      throw new ChatlabError(ErrorCodes.CONFIG, `Snowflake worker id must be an integer 0..${MAX_WORKER_ID}, got ${workerId}`);
    }
    if (!(maxBackwardsWaitMs >= 0)) {
      throw new ChatlabError(ErrorCodes.CONFIG, `maxBackwardsWaitMs must be >= 0, got ${maxBackwardsWaitMs}`);
    }
    this.workerId = workerId;
    this.#clock = clock;
    this.#maxBackwardsWaitMs = maxBackwardsWaitMs;
  }

  /**
   * The next id, waiting (on the injected clock, never busy) when the sequence of this ms is
   * spent or the clock has stepped back a little. Concurrent callers are safe: each decision
   * is made synchronously after reading the clock, and a woken caller re-reads it.
   */
  async next(): Promise<string> {
    for (;;) {
      const r = this.#attempt();
      if (typeof r === 'string') return r;
      if (r.backwards) this.stats.backwardsWaits++;
      await this.#clock.sleep(r.waitMs);
    }
  }

  /**
   * The next id without awaiting, or null when one would have to wait (sequence spent or a
   * small backwards step); a hot path can use this and fall back to next() on null.
   */
  tryNextSync(): string | null {
    const r = this.#attempt();
    return typeof r === 'string' ? r : null;
  }

  /**
   * True while the clock stands further behind the last issued id than this generator waits
   * out: every next() would be refused, so the holder reports itself unhealthy.
   */
  get refusing(): boolean {
    return this.#lastElapsed - (this.#clock.now() - CHATLAB_EPOCH_MS) > this.#maxBackwardsWaitMs;
  }

  #attempt(): string | { waitMs: number; backwards: boolean } {
    const now = this.#clock.now();
    const elapsed = now - CHATLAB_EPOCH_MS;
    if (elapsed < 0 || elapsed > MAX_TIMESTAMP || !Number.isInteger(elapsed)) {
      throw new ChatlabError(ErrorCodes.CONFIG, `clock reads ${now}, outside the Snowflake range from the chatlab epoch (${new Date(CHATLAB_EPOCH_MS).toISOString()})`);
    }
    if (elapsed < this.#lastElapsed) {
      const behind = this.#lastElapsed - elapsed;
      if (behind > this.#maxBackwardsWaitMs) {
        this.stats.backwardsRefusals++;
        throw new ChatlabError(
          ErrorCodes.CLOCK_BACKWARDS,
          `clock moved back ${behind} ms (more than the ${this.#maxBackwardsWaitMs} ms this generator waits out); refusing to issue ids that could repeat`,
        );
      }
      return { waitMs: behind, backwards: true };
    }
    if (elapsed === this.#lastElapsed) {
      if (this.#sequence >= MAX_SEQUENCE) return { waitMs: 1, backwards: false };
      this.#sequence++;
    } else {
      this.#lastElapsed = elapsed;
      this.#sequence = 0;
    }
    return compose(elapsed, this.workerId, this.#sequence);
  }
}

/** Decimal, no leading zeros (so string order == numeric order within a length), < 2^63. */
export function isSnowflakeString(s: unknown): s is string {
  if (typeof s !== 'string' || !DECIMAL.test(s)) return false;
  return s.length < MAX_ID_STRING.length || s <= MAX_ID_STRING;
}

export function parseSnowflake(s: string): SnowflakeParts {
  if (!isSnowflakeString(s)) {
    throw new ChatlabError(ErrorCodes.BAD_REQUEST, `not a Snowflake id: ${JSON.stringify(String(s).slice(0, 40))}`);
  }
  const id = BigInt(s);
  return {
    timestampMs: Number(id >> TIMESTAMP_SHIFT) + CHATLAB_EPOCH_MS,
    workerId: Number((id >> SEQUENCE_BITS) & BigInt(MAX_WORKER_ID)),
    sequence: Number(id & BigInt(MAX_SEQUENCE)),
  };
}

/**
 * Orders canonical decimal ids without bigint: with no leading zeros a longer string is a
 * bigger number, and equal lengths compare like digits.
 */
export function compareIds(a: string, b: string): -1 | 0 | 1 {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The lowest id any worker can issue at `ms`, so "id >= snowflakeFromTime(t)" selects
 * messages sent at or after t (time buckets, history windows). Times before the chatlab
 * epoch clamp to "0": every id is after them.
 */
export function snowflakeFromTime(ms: number): string {
  const elapsed = Math.floor(ms) - CHATLAB_EPOCH_MS;
  if (elapsed <= 0) return '0';
  if (!(elapsed <= MAX_TIMESTAMP)) {
    throw new ChatlabError(ErrorCodes.BAD_REQUEST, `time ${ms} is beyond the Snowflake range`);
  }
  return compose(elapsed, 0, 0);
}

/**
 * Two processes issuing Snowflake ids with the same worker id could mint the same id in the
 * same ms, so each process leases its id in Redis. A lease is a key with a TTL owned by a
 * unique string; renew and release are compare-then-act Lua scripts, so a process whose
 * lease has already expired (and been taken over) can never extend or delete the new owner's.
 */
import type { Redis } from 'ioredis';
import { ChatlabError, ErrorCodes, MAX_WORKER_ID, errorMessage, systemClock, type Clock } from '../core/index.js';

const RENEW_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export interface WorkerLeaseOptions {
  /** Key prefix, e.g. "chatlab:"; keys are `${prefix}snowflake:worker:<id>`. */
  prefix: string;
  ttlMs: number;
  /** Unique per process (e.g. `${hostname}:${pid}:${random}`), so ownership checks mean something. */
  owner: string;
  /**
   * Called once if the lease is lost (taken over, or not renewed for a whole TTL); the holder
   * must stop issuing ids, since another process may now hold the same worker id.
   */
  onLost?: (reason: string) => void;
  clock?: Clock;
  /** Picks the starting offset of the scan, so processes starting together spread out. */
  random?: () => number;
}

export interface WorkerLease {
  readonly workerId: number;
  readonly key: string;
  /**
   * Still ours as far as this process can tell, checked synchronously before each id: a
   * process paused past its TTL must not mint in the moment before its renewal notices.
   */
  readonly held: boolean;
  /** Extends the TTL now; false when the lease is no longer ours. */
  renew(): Promise<boolean>;
  /** Stops renewing and deletes the key if still ours; true if it was. */
  release(): Promise<boolean>;
  /** Idempotent teardown: stops renewing and releases, never throws. */
  stop(): Promise<void>;
}

export function workerLeaseKey(prefix: string, workerId: number): string {
  return `${prefix}snowflake:worker:${workerId}`;
}

export async function leaseWorkerId(redis: Redis, options: WorkerLeaseOptions): Promise<WorkerLease> {
  const { prefix, ttlMs, owner, onLost, clock = systemClock, random = Math.random } = options;
  if (!Number.isInteger(ttlMs) || ttlMs < 30) {
    throw new ChatlabError(ErrorCodes.CONFIG, `worker lease ttlMs must be an integer >= 30, got ${ttlMs}`);
  }
  if (owner.length === 0) throw new ChatlabError(ErrorCodes.CONFIG, 'worker lease owner must not be empty');

  const slots = MAX_WORKER_ID + 1;
  const start = Math.floor(random() * slots) % slots;
  let workerId = -1;
  for (let i = 0; i < slots && workerId < 0; i++) {
    const candidate = (start + i) % slots;
    const ok = await redis.set(workerLeaseKey(prefix, candidate), owner, 'PX', ttlMs, 'NX');
    if (ok === 'OK') workerId = candidate;
  }
  if (workerId < 0) {
    throw new ChatlabError(
      ErrorCodes.INFRA_UNAVAILABLE,
      `all ${slots} Snowflake worker ids under "${prefix}snowflake:worker:" are leased; too many processes, or stale leases (they expire after ${ttlMs} ms)`,
    );
  }
  return new Lease(redis, workerId, workerLeaseKey(prefix, workerId), owner, ttlMs, clock, onLost);
}

/**
 * The share of the TTL a holder gives up at its end: it stops minting that much before Redis
 * would let the key expire (a renewal's reply comes after the TTL it set started, and clocks
 * and timers drift), so another process can never take the id while this one still mints.
 */
export const LEASE_MARGIN = 0.2;

class Lease implements WorkerLease {
  #timer: NodeJS.Timeout | undefined;
  #lastRenewedAt: number;
  #lost = false;
  #stopped = false;
  /**
   * The connection to Redis closed since the last renewal: a Redis that restarted has lost the
   * key, and another process can take the id with SET NX as soon as it is back, long before
   * this one's next renewal would notice. Not held until a renewal on the new connection says
   * the key is still ours.
   */
  #suspended = false;
  readonly #onClose = () => {
    this.#suspended = true;
  };
  readonly #onReady = () => void this.#tick();

  constructor(
    private readonly redis: Redis,
    readonly workerId: number,
    readonly key: string,
    private readonly owner: string,
    private readonly ttlMs: number,
    private readonly clock: Clock,
    private readonly onLost: ((reason: string) => void) | undefined,
  ) {
    this.#lastRenewedAt = clock.now();
    // A third of the TTL leaves two more chances to renew before the key can expire.
    this.#timer = setInterval(() => void this.#tick(), Math.floor(ttlMs / 3));
    // Renewal alone must not keep a process alive that has otherwise finished.
    this.#timer.unref();
    redis.on('close', this.#onClose);
    // back on a new connection: ask at once whether the key survived
    redis.on('ready', this.#onReady);
  }

  get held(): boolean {
    return !this.#lost && !this.#stopped && !this.#suspended && this.clock.now() - this.#lastRenewedAt < this.ttlMs * (1 - LEASE_MARGIN);
  }

  async renew(): Promise<boolean> {
    const startedAt = this.clock.now();
    const res = await this.redis.eval(RENEW_SCRIPT, 1, this.key, this.owner, String(this.ttlMs));
    if (Number(res) === 1) {
      // The TTL was set relative to when the script ran, which is no earlier than startedAt.
      this.#lastRenewedAt = startedAt;
      // answered on the connection as it is now (a reply never comes after its socket closed)
      this.#suspended = false;
      return true;
    }
    return false;
  }

  async release(): Promise<boolean> {
    this.#stopTimer();
    this.#stopped = true;
    const res = await this.redis.eval(RELEASE_SCRIPT, 1, this.key, this.owner);
    return Number(res) === 1;
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.release();
    } catch {
      // The key expires on its own within ttlMs; teardown must not fail on an unreachable Redis.
    }
  }

  async #tick(): Promise<void> {
    if (this.#stopped || this.#lost) return;
    try {
      if (!(await this.renew())) this.#markLost(`worker id ${this.workerId} is no longer leased by ${this.owner}`);
    } catch (err) {
      // A transient Redis error is survivable while the key still has TTL left; past that,
      // another process may already have taken the id.
      if (this.clock.now() - this.#lastRenewedAt >= this.ttlMs) {
        this.#markLost(`could not renew worker id ${this.workerId} for ${this.ttlMs} ms: ${errorMessage(err)}`);
      }
    }
  }

  #markLost(reason: string): void {
    if (this.#stopped || this.#lost) return;
    this.#lost = true;
    this.#stopTimer();
    this.onLost?.(reason);
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.redis.off('close', this.#onClose);
    this.redis.off('ready', this.#onReady);
  }
}

import { ChatlabError, ErrorCodes, SnowflakeGenerator, errorMessage, systemClock, type Clock } from '../core/index.js';
import type { WorkerLease } from '../store/index.js';

export interface MinterOptions {
  /** Takes a worker-id lease; `onLost` fires once if it is lost later. */
  takeLease(onLost: (reason: string) => void): Promise<WorkerLease>;
  clock?: Clock;
  /** Pause between attempts to take a new lease after one was lost. */
  retakeEveryMs?: number;
  log?: (line: string) => void;
}

/**
 * The gateway's Snowflake ids, only while it holds its worker-id lease. Two gateways with the
 * same worker id mint equal ids (an acked message would silently replace another), so a lost
 * lease (a pause past its TTL, a Redis restart) stops minting at once: sends are answered
 * `unavailable` and /healthz is red until a new lease is taken, retried in the background.
 * A clock stepped back beyond what the generator waits out is the same kind of outage.
 */
export class Minter {
  #lease: WorkerLease | null = null;
  #generator: SnowflakeGenerator | null = null;
  #lostReason = '';
  #stopped = false;
  #retaking: Promise<void> | null = null;
  readonly #o: Required<Omit<MinterOptions, 'log'>> & Pick<MinterOptions, 'log'>;
  /** Counters kept across generators (the lease, and so the generator, may change). */
  readonly stats = { backwardsWaits: 0, backwardsRefusals: 0, leasesLost: 0 };

  private constructor(o: MinterOptions) {
    this.#o = { clock: systemClock, retakeEveryMs: 1000, ...o };
  }

  static async start(o: MinterOptions): Promise<Minter> {
    const minter = new Minter(o);
    minter.#use(await o.takeLease((reason) => minter.#lost(reason)));
    return minter;
  }

  get workerId(): number | undefined {
    return this.#lease?.workerId;
  }

  /** Why ids cannot be minted now, or undefined when they can. */
  get unavailableReason(): string | undefined {
    const noLease = this.#noLease();
    if (noLease) return noLease;
    if (this.#generator!.refusing) return 'the clock stepped back further than the id generator waits out';
    return undefined;
  }

  get healthy(): boolean {
    return this.unavailableReason === undefined;
  }

  /** The next id; rejects with CHATLAB_E_UNAVAILABLE while no lease is held or the clock is behind. */
  async next(): Promise<string> {
    const noLease = this.#noLease();
    if (noLease) throw new ChatlabError(ErrorCodes.UNAVAILABLE, noLease);
    const generator = this.#generator!;
    const before = generator.stats.backwardsWaits;
    try {
      const sync = generator.tryNextSync();
      if (sync !== null) return sync;
      const id = await generator.next();
      // the generator waited out the clock: the lease may have been lost meanwhile
      const lost = this.#noLease();
      if (lost || this.#generator !== generator) throw new ChatlabError(ErrorCodes.UNAVAILABLE, lost ?? 'the Snowflake worker lease changed while an id was being minted');
      return id;
    } catch (err) {
      if (err instanceof ChatlabError && err.code === ErrorCodes.CLOCK_BACKWARDS) {
        this.stats.backwardsRefusals++;
        throw new ChatlabError(ErrorCodes.UNAVAILABLE, err.message, { cause: err });
      }
      throw err;
    } finally {
      this.stats.backwardsWaits += generator.stats.backwardsWaits - before;
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#lease?.stop();
    await this.#retaking;
  }

  #noLease(): string | undefined {
    if (this.#lease?.held && this.#generator) return undefined;
    if (this.#lease) return `Snowflake worker lease ${this.#lease.workerId} not renewed within its TTL (a stalled process); renewing`;
    return `no Snowflake worker lease (${this.#lostReason || 'not held'}); retaking`;
  }

  #use(lease: WorkerLease): void {
    // The same worker id again keeps its generator: its last timestamp still guards against repeats.
    if (this.#generator?.workerId !== lease.workerId) this.#generator = new SnowflakeGenerator({ workerId: lease.workerId, clock: this.#o.clock });
    this.#lease = lease;
  }

  #lost(reason: string): void {
    this.stats.leasesLost++;
    this.#lostReason = reason;
    this.#lease = null;
    this.#o.log?.(`Snowflake worker lease lost: ${reason}; not minting until a new one is taken`);
    this.#retaking ??= this.#retake().finally(() => (this.#retaking = null));
  }

  async #retake(): Promise<void> {
    while (!this.#stopped && !this.#lease) {
      try {
        const lease = await this.#o.takeLease((reason) => this.#lost(reason));
        if (this.#stopped) await lease.stop();
        else this.#use(lease);
      } catch (err) {
        this.#lostReason = `retake failed: ${errorMessage(err)}`;
        await this.#o.clock.sleep(this.#o.retakeEveryMs);
      }
    }
  }
}

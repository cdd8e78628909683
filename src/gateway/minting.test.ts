import { describe, expect, it } from 'vitest';
import { ErrorCodes, ManualClock, isChatlabError, parseSnowflake } from '../core/index.js';
import type { WorkerLease } from '../store/index.js';
import { Minter } from './minting.js';

/** A lease as the gateway sees it: held until lost (taken over, or a Redis restart). */
function fakeLeases(workerIds: number[]) {
  const taken: Array<{ lease: WorkerLease; lose: (reason: string) => void }> = [];
  let failNext = 0;
  const takeLease = async (onLost: (reason: string) => void): Promise<WorkerLease> => {
    if (failNext > 0) {
      failNext--;
      throw new Error('redis down');
    }
    const workerId = workerIds[taken.length] ?? 0;
    let held = true;
    const lease = { workerId, key: `w:${workerId}`, get held() { return held; }, renew: async () => held, release: async () => true, stop: async () => {} };
    taken.push({ lease, lose: (reason) => ((held = false), onLost(reason)) });
    return lease;
  };
  return { takeLease, taken, failTakes: (n: number) => (failNext = n) };
}

describe('Minter: ids only under a held lease, clock steps', () => {
  it('a lost lease stops minting at once: unhealthy and CHATLAB_E_UNAVAILABLE until a new lease is taken', async () => {
    const clock = new ManualClock();
    const leases = fakeLeases([7, 9]);
    const minter = await Minter.start({ takeLease: leases.takeLease, clock, retakeEveryMs: 1000 });
    expect(parseSnowflake(await minter.next()).workerId).toBe(7);

    leases.failTakes(1); // Redis is still away when it first retries
    leases.taken[0]!.lose('worker id 7 is no longer leased');
    expect(minter.healthy).toBe(false);
    const refused = await minter.next().catch((e: unknown) => e);
    expect(isChatlabError(refused, ErrorCodes.UNAVAILABLE)).toBe(true);
    expect((refused as Error).message).toMatch(/no Snowflake worker lease \(worker id 7 is no longer leased\)/);

    await clock.tick(1000);
    await clock.tick(0);
    expect(minter.healthy).toBe(true);
    expect(minter.workerId).toBe(9);
    expect(parseSnowflake(await minter.next()).workerId).toBe(9);
    expect(minter.stats.leasesLost).toBe(1);
    await minter.stop();
  });

  it('a lease that lapsed without notice (a pause past its TTL) mints nothing either', async () => {
    const leases = fakeLeases([3]);
    const minter = await Minter.start({ takeLease: leases.takeLease, clock: new ManualClock() });
    Object.defineProperty(leases.taken[0]!.lease, 'held', { get: () => false });
    await expect(minter.next()).rejects.toMatchObject({ code: ErrorCodes.UNAVAILABLE });
    expect(minter.healthy).toBe(false);
  });

  it('a clock stepped back beyond 50 ms: sends get CHATLAB_E_UNAVAILABLE (not internal) and health is red until it catches up', async () => {
    const clock = new ManualClock();
    const minter = await Minter.start({ takeLease: fakeLeases([1]).takeLease, clock });
    await minter.next();
    clock.set(clock.now() - 500);
    expect(minter.healthy).toBe(false);
    await expect(minter.next()).rejects.toMatchObject({ code: ErrorCodes.UNAVAILABLE });
    expect(minter.stats.backwardsRefusals).toBe(1);
    clock.advance(501);
    expect(minter.healthy).toBe(true);
    await expect(minter.next()).resolves.toMatch(/^\d+$/);
  });
});

describe('Minter: the lease is checked again after the generator waited', () => {
  it('a lease lost while an id waited out a clock step back: that id is refused, not handed out', async () => {
    const clock = new ManualClock();
    const leases = fakeLeases([4]);
    const minter = await Minter.start({ takeLease: leases.takeLease, clock });
    await minter.next();
    clock.set(clock.now() - 20); // within what the generator waits out
    const pending = minter.next().catch((e: unknown) => e);
    leases.taken[0]!.lose('worker id 4 is no longer leased');
    await clock.tick(25);
    await clock.tick(0);
    expect(isChatlabError(await pending, ErrorCodes.UNAVAILABLE)).toBe(true);
    await minter.stop();
  });
});

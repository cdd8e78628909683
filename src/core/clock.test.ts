import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from './clock.js';

describe('systemClock', () => {
  it('reports wall-clock time and sleeps for real', async () => {
    const before = Date.now();
    expect(Math.abs(systemClock.now() - before)).toBeLessThan(1000);
    await systemClock.sleep(5);
    expect(systemClock.now()).toBeGreaterThanOrEqual(before + 4);
  });
});

describe('ManualClock', () => {
  it('starts at the given time and only moves when told', () => {
    const clock = new ManualClock(1000);
    expect(clock.now()).toBe(1000);
    clock.advance(250);
    expect(clock.now()).toBe(1250);
    clock.set(900);
    expect(clock.now()).toBe(900);
  });

  it('resolves a sleep only once time has advanced past its deadline', async () => {
    const clock = new ManualClock(0);
    let woke = false;
    const p = clock.sleep(100).then(() => {
      woke = true;
    });
    await clock.tick(99);
    expect(woke).toBe(false);
    expect(clock.pendingSleeps).toBe(1);
    await clock.tick(1);
    expect(woke).toBe(true);
    expect(clock.pendingSleeps).toBe(0);
    await p;
  });

  it('wakes sleepers in deadline order', async () => {
    const clock = new ManualClock(0);
    const order: number[] = [];
    const ps = [30, 10, 20].map((ms) => clock.sleep(ms).then(() => order.push(ms)));
    clock.advance(100);
    await Promise.all(ps);
    expect(order).toEqual([10, 20, 30]);
  });

  it('does not wake sleepers when stepped backwards', async () => {
    const clock = new ManualClock(1000);
    let woke = false;
    void clock.sleep(10).then(() => (woke = true));
    clock.set(500);
    await clock.tick(0);
    expect(woke).toBe(false);
    clock.set(1010);
    await clock.tick(0);
    expect(woke).toBe(true);
  });

  it('resolves zero or negative sleeps at once', async () => {
    const clock = new ManualClock(0);
    await clock.sleep(0);
    await clock.sleep(-5);
    expect(clock.pendingSleeps).toBe(0);
  });

  it('refuses to advance by a negative amount', () => {
    expect(() => new ManualClock(0).advance(-1)).toThrow(RangeError);
  });
});

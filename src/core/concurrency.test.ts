import { describe, expect, it } from 'vitest';
import { ConcurrencyLimit, mapLimited } from './concurrency.js';

describe('mapLimited', () => {
  it('keeps order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimited([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n * 3));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
    expect(await mapLimited([], 4, async () => 1)).toEqual([]);
  });
});

describe('mapLimited after a failure', () => {
  it('starts nothing new and rejects with the first error once the calls in flight have settled', async () => {
    const started: number[] = [];
    let slowSettled = false;
    const run = mapLimited([0, 1, 2, 3, 4], 2, async (n) => {
      started.push(n);
      if (n === 0) {
        await new Promise((r) => setTimeout(r, 30));
        slowSettled = true;
        return n;
      }
      throw new Error(`boom ${n}`);
    });
    await expect(run).rejects.toThrow('boom 1');
    expect(slowSettled).toBe(true);
    expect(started).toEqual([0, 1]);
  });
});

describe('ConcurrencyLimit', () => {
  it('runs at most `max` at once, queues up to `maxWaiting` in order, and refuses beyond', async () => {
    const limit = new ConcurrencyLimit(2, 2, () => new Error('busy'));
    const releases: Array<() => void> = [];
    const started: number[] = [];
    const job = (n: number) => limit.run(() => new Promise<number>((r) => (started.push(n), releases.push(() => r(n)))));
    const runs = [job(1), job(2), job(3), job(4)];
    await expect(job(5)).rejects.toThrow('busy');
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([1, 2]);
    expect([limit.active, limit.waiting]).toEqual([2, 2]);
    releases.shift()!();
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([1, 2, 3]);
    while (releases.length > 0 || started.length < 4) {
      releases.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(runs)).toEqual([1, 2, 3, 4]);
    expect([limit.active, limit.waiting, limit.peak]).toEqual([0, 0, 2]);
  });
});

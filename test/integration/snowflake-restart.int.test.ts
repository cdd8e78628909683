import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { Minter } from '../../src/gateway/index.js';
import { leaseWorkerId } from '../../src/store/index.js';
import { startComponent, stopComponent } from '../../src/stack/index.js';
import { endpoints, uniqueName } from './support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Two gateways' id minting (the gateway's own Minter over a worker-id lease on its own Redis
 * connection) through a restart of the real Redis, which loses every lease key. Both scan the
 * worker ids from the same place; `a` has the gateways' default TTL (30 s, renewed every 10 s),
 * `b` a short one (renewed every 500 ms): once Redis is back,
 * `b` finds its key gone first and takes the first free id, which is `a`'s, while `a` would
 * only notice at its next renewal. No id may be minted twice.
 */
describe('Snowflake worker-id leases through a Redis restart', () => {
  it('two gateways minting under load through the restart never mint the same id (>= 50,000 ids)', async () => {
    const prefix = `${uniqueName('lease')}:`;
    const url = endpoints().redis.url;
    const t0 = Date.now();
    const events: string[] = [];
    const gateway = async (name: string, ttlMs: number) => {
      const conn = new Redis(url, { maxRetriesPerRequest: 3 });
      conn.on('error', () => {});
      const minter = await Minter.start({ takeLease: (onLost) => leaseWorkerId(conn, { prefix, ttlMs, owner: name, onLost, random: () => 0 }), retakeEveryMs: 100, log: (line) => events.push(`${Date.now() - t0} ms ${name}: ${line}`) });
      return { conn, minter };
    };
    const a = await gateway('a', 30_000);
    const b = await gateway('b', 1500);
    expect(a.minter.workerId).toBe(0);
    expect(b.minter.workerId).toBe(1);

    const ids: string[] = [];
    let refused = 0;
    let running = true;
    // both mint in bursts, in the same milliseconds, as long as the test runs
    const mint = async (m: Minter, name: string) => {
      let worker = m.workerId;
      while (running) {
        if (m.workerId !== worker) events.push(`${Date.now() - t0} ms ${name}: now worker ${(worker = m.workerId)}`);
        for (let i = 0; i < 50; i++) {
          try {
            ids.push(await m.next());
          } catch {
            refused++;
          }
        }
        await new Promise((r) => setImmediate(r));
      }
    };
    const loops = [mint(a.minter, 'a'), mint(b.minter, 'b')];
    try {
      while (ids.length < 20_000) await sleep(50);
      events.push(`${Date.now() - t0} ms: Redis killed`);
      await stopComponent(inject('stateDir'), 'redis', 'kill');
      await sleep(500);
      await startComponent(inject('stateDir'), 'redis');
      events.push(`${Date.now() - t0} ms: Redis back`);
      const backAt = ids.length;
      // past a's next renewal, and at least 30,000 more ids
      const until = Date.now() + 4000;
      while (Date.now() < until || ids.length < backAt + 30_000) await sleep(50);
    } finally {
      running = false;
      await Promise.all(loops);
      await a.minter.stop();
      await b.minter.stop();
      a.conn.disconnect();
      b.conn.disconnect();
    }
    const distinct = new Set(ids).size;
    console.log(events.join('\n'));
    console.log(`lease restart: ${ids.length} ids minted (${refused} refused while no lease was held), ${distinct} distinct; workers now a=${a.minter.workerId} b=${b.minter.workerId}`);
    expect(ids.length).toBeGreaterThanOrEqual(50_000);
    expect(distinct).toBe(ids.length);
  });
});

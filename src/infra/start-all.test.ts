import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { isOwnedAlive, spawnOwned, type RunningProcess } from './process.js';
import { startAll } from './start-all.js';

/** Real child processes (`sleep`), so "nothing left running" is checked against the kernel. */
function sleeper(dir: string, name: string): RunningProcess {
  return spawnOwned({ name, command: 'sleep', args: ['300'], logFile: path.join(dir, `${name}.log`), marker: 'sleep' });
}

describe('startAll: teardown on partial failure', () => {
  it('a component failing mid-start leaves nothing running and rethrows its error', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chatlab-startall-'));
    const spawned: RunningProcess[] = [];
    const events: string[] = [];
    const err = await startAll(
      {
        fast: async () => {
          const p = sleeper(dir, 'fast');
          spawned.push(p);
          return { stop: () => p.stop(1000) };
        },
        slow: async (signal: AbortSignal) => {
          const p = sleeper(dir, 'slow');
          spawned.push(p);
          // a start still waiting for readiness when another fails must notice the abort
          while (!signal.aborted) await sleep(20);
          await p.stop(1000);
          throw new Error('aborted');
        },
        broken: async () => {
          await sleep(100);
          throw new Error('cassandra exited with code 1');
        },
      },
      { onProgress: (e) => events.push(`${e.component}:${e.phase}`) },
    ).catch((e: Error) => e);

    expect((err as Error).message).toBe('cassandra exited with code 1');
    expect(spawned).toHaveLength(2);
    for (const p of spawned) expect(isOwnedAlive(p)).toBe(false);
    expect(events).toContain('fast:stopped');
    expect(events).toContain('broken:failed');
  });

  it('an outer abort stops what already started', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chatlab-startall-'));
    const controller = new AbortController();
    let started: RunningProcess | undefined;
    const pending = startAll(
      {
        a: async () => {
          started = sleeper(dir, 'a');
          return { stop: () => started!.stop(1000) };
        },
        b: async (signal: AbortSignal) => {
          while (!signal.aborted) await sleep(20);
          throw new Error('aborted');
        },
      },
      { signal: controller.signal },
    );
    await sleep(100);
    controller.abort();
    await expect(pending).rejects.toThrow();
    expect(isOwnedAlive(started!)).toBe(false);
  });

  it('returns every started component by name when all succeed', async () => {
    const result = await startAll({ x: async () => ({ v: 1, stop: async () => {} }), y: async () => ({ v: 2, stop: async () => {} }) });
    expect(result.x.v + result.y.v).toBe(3);
  });
});

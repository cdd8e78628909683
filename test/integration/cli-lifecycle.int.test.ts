import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { processesUnder, runCli, startCli, waitFor } from '../support/cli.js';

const dirs: string[] = [];
function stateDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chatlab-cli-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  for (const dir of dirs.splice(0)) {
    await runCli(['--state-dir', dir, 'down']);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe('chatlab up / status / down on the native provider', () => {
  it('up --detach brings all four up, status reports them, a second up refuses, down leaves nothing', async () => {
    const dir = stateDir();
    const up = await runCli(['--state-dir', dir, 'up', '--detach', '--infra', 'native', '--json']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toMatch(/redis\s+ready/);
    expect(up.stderr).toMatch(/cassandra\s+ready/);
    expect(up.stderr).toMatch(/search\s+ready/);

    const status = await runCli(['--state-dir', dir, 'status', '--json']);
    expect(status.code).toBe(0);
    const s = JSON.parse(status.stdout);
    expect(s.infra.redis).toMatchObject({ healthy: true, url: expect.stringMatching(/^redis:\/\/127\.0\.0\.1:\d+$/) });
    expect(s.infra.kafka).toMatchObject({ healthy: true, brokers: [expect.stringMatching(/^127\.0\.0\.1:\d+$/)] });
    expect(s.infra.cassandra).toMatchObject({ healthy: true, localDataCenter: 'datacenter1', contactPoints: [expect.stringMatching(/:\d+$/)] });
    expect(s.infra.search).toMatchObject({ healthy: true, url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
    expect(Array.isArray(s.services)).toBe(true);
    expect(processesUnder(dir).length).toBeGreaterThanOrEqual(3);

    const again = await runCli(['--state-dir', dir, 'up', '--detach', '--infra', 'native']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already running');

    const down = await runCli(['--state-dir', dir, 'down']);
    expect(down.code).toBe(0);
    expect(down.stdout).toContain('cassandra');
    expect(down.stdout).toContain('search');
    expect(processesUnder(dir)).toEqual([]);

    const after = await runCli(['--state-dir', dir, 'status']);
    expect(after.code).toBe(3);
  });

  it('a component that fails mid-start gets its log tail printed, exit 1, and nothing is left running', async () => {
    const dir = stateDir();
    const up = await runCli(['--state-dir', dir, 'up', '--detach', '--infra', 'native'], { CHATLAB_CASSANDRA_HEAP: 'lots' });
    expect(up.code).toBe(1);
    expect(up.stderr).toContain('cassandra failed to start');
    expect(up.stderr).toMatch(/Invalid (initial|maximum) heap size/);
    expect(processesUnder(dir)).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'stack.json'))).toBe(false);
  });

  it('SIGTERM while the stack is still starting stops everything already started', async () => {
    const dir = stateDir();
    const up = startCli(['--state-dir', dir, 'up', '--infra', 'native']);
    await waitFor(() => /kafka\s+(starting|waiting)/.test(up.output()) && processesUnder(dir).length >= 2, 120_000, 'kafka to be starting');
    up.child.kill('SIGTERM');
    const code = await up.exited;
    expect(code).not.toBe(0);
    expect(processesUnder(dir)).toEqual([]);
  });

  it('a foreground up stays until Ctrl-C (SIGINT), then stops everything and exits 0', async () => {
    const dir = stateDir();
    const up = startCli(['--state-dir', dir, 'up', '--infra', 'native']);
    await waitFor(() => up.output().includes('chatlab is up'), 180_000, 'the stack to be up');
    const status = await runCli(['--state-dir', dir, 'status', '--json']);
    expect(JSON.parse(status.stdout).detached).toBe(false);
    up.child.kill('SIGINT');
    expect(await up.exited).toBe(0);
    expect(processesUnder(dir)).toEqual([]);
  });
});

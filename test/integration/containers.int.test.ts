import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerode, LOCAL_IMAGES, removeStackContainers, stackId } from '../../src/infra/index.js';
import { runCli } from '../support/cli.js';
import { containersTestsRun, dockerObjects } from '../support/docker.js';
import { cassandraRoundTrip, kafkaRoundTrip, redisRoundTrip, searchRoundTrip, stackSchemaExists } from '../support/roundtrips.js';

/**
 * `chatlab up --infra containers --images local` as a user runs it: its own state dir and
 * ports (mapped at random; Kafka's chosen free), so it does not meet the native stack the
 * integration tier shares. Clean-up runs even when a test fails: `down`, then every container
 * labelled with this state dir.
 */
const run = await containersTestsRun();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chatlab-containers-'));
const label = `chatlab.stack=${stackId(dir)}`;
let before: ReturnType<typeof dockerObjects>;

describe.skipIf(!run)('chatlab up --infra containers --images local', () => {
  beforeAll(() => {
    before = dockerObjects(label);
  });
  afterAll(async () => {
    await runCli(['--state-dir', dir, 'down']);
    await removeStackContainers(await dockerode(), stackId(dir)).catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('starts all four from the local images, healthy, and status names them', async () => {
    const up = await runCli(['--state-dir', dir, 'up', '--detach', '--infra', 'containers', '--images', 'local'], {}, 600_000);
    expect(up.code, up.stderr).toBe(0);
    const status = await runCli(['--state-dir', dir, 'status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    const s = JSON.parse(status.stdout);
    expect(s.provider).toBe('containers');
    for (const part of ['redis', 'kafka', 'cassandra', 'search'] as const) expect(s.infra[part].healthy, part).toBe(true);
    expect(s.versions.search).toContain(LOCAL_IMAGES.search);
    expect(dockerObjects(label).containers).toHaveLength(4);
  }, 660_000);

  it('answers a round trip on each part, with the schema the stack needs', async () => {
    const e = JSON.parse((await runCli(['--state-dir', dir, 'status', '--json'])).stdout).infra;
    await redisRoundTrip(e);
    await kafkaRoundTrip(e);
    await cassandraRoundTrip(e);
    await searchRoundTrip(e);
    await stackSchemaExists(e);
  });

  it('runs reconnect-race on it, every threshold holding', async () => {
    const out = path.join(dir, 'reports');
    const r = await runCli(['--state-dir', dir, 'run', 'reconnect-race', '--out', out], {}, 300_000);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout + r.stderr).toContain('every threshold holds');
  }, 320_000);

  it('down leaves no container, volume or network behind', async () => {
    const down = await runCli(['--state-dir', dir, 'down']);
    expect(down.code).toBe(0);
    expect(down.stdout).toMatch(/container [0-9a-f]{12}/);
    expect(dockerObjects(label)).toEqual(before);
  });
});

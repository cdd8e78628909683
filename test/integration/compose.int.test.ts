import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/core/index.js';
import { cassandraReleaseVersion, freePorts, kafkaMetadata, pingRedis, searchClusterHealth, waitUntil } from '../../src/infra/index.js';
import { runCli } from '../support/cli.js';
import { composeCommand, containersTestsRun, dockerObjects } from '../support/docker.js';
import { cassandraRoundTrip, kafkaRoundTrip, redisRoundTrip, searchRoundTrip, stackSchemaExists } from '../support/roundtrips.js';

/**
 * docker-compose.yml with docker-compose.local.yml (the local images), as its header says, under
 * a project name and host ports of its own (free ones: no clash with the shared native stack or
 * anyone's 9092), then `chatlab up --infra external` pointed at it. Clean-up runs even when a test
 * fails: `chatlab down`, then `compose down -v`.
 */
const run = await containersTestsRun();
const project = `chatlab-it-${crypto.randomBytes(3).toString('hex')}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chatlab-compose-'));
const root = packageRoot();
let env: NodeJS.ProcessEnv = {};
let before: ReturnType<typeof dockerObjects>;
const label = `com.docker.compose.project=${project}`;

function compose(args: string[]): string {
  const [command, ...pre] = composeCommand();
  return execFileSync(command!, [...pre, '-p', project, '-f', 'docker-compose.yml', '-f', 'docker-compose.local.yml', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe.skipIf(!run)('docker-compose.yml on the local images, then chatlab up --infra external', () => {
  beforeAll(async () => {
    before = dockerObjects(label);
    const [redis, kafka, cassandra, search] = (await freePorts(4)) as [number, number, number, number];
    env = { CHATLAB_COMPOSE_REDIS_PORT: String(redis), CHATLAB_COMPOSE_KAFKA_PORT: String(kafka), CHATLAB_COMPOSE_CASSANDRA_PORT: String(cassandra), CHATLAB_COMPOSE_SEARCH_PORT: String(search) };
  });
  afterAll(async () => {
    await runCli(['--state-dir', dir, 'down']);
    try {
      compose(['down', '-v', '--remove-orphans', '-t', '10']);
    } catch (err) {
      process.stderr.write(`[compose test] compose down: ${(err as Error).message}\n`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('compose up starts the four parts, and each answers its readiness check', async () => {
    compose(['up', '-d', 'redis', 'kafka', 'cassandra', 'opensearch']);
    expect(dockerObjects(label).containers).toHaveLength(4);
    const at = (v: string | undefined) => `127.0.0.1:${v}`;
    await waitUntil(() => pingRedis(`redis://${at(env['CHATLAB_COMPOSE_REDIS_PORT'])}`), { what: 'redis', timeoutMs: 60_000 });
    await waitUntil(() => kafkaMetadata([at(env['CHATLAB_COMPOSE_KAFKA_PORT'])]), { what: 'kafka', timeoutMs: 120_000 });
    await waitUntil(() => cassandraReleaseVersion([at(env['CHATLAB_COMPOSE_CASSANDRA_PORT'])], 'datacenter1'), { what: 'cassandra', timeoutMs: 240_000 });
    await waitUntil(() => searchClusterHealth(`http://${at(env['CHATLAB_COMPOSE_SEARCH_PORT'])}`), { what: 'search', timeoutMs: 180_000 });
  }, 600_000);

  it('chatlab up --infra external on it is healthy and passes the round trips', async () => {
    const up = await runCli([
      '--state-dir', dir, 'up', '--detach', '--infra', 'external',
      '--redis-url', `redis://127.0.0.1:${env['CHATLAB_COMPOSE_REDIS_PORT']}`,
      '--kafka-brokers', `127.0.0.1:${env['CHATLAB_COMPOSE_KAFKA_PORT']}`,
      '--cassandra-contact-points', `127.0.0.1:${env['CHATLAB_COMPOSE_CASSANDRA_PORT']}`,
      '--search-url', `http://127.0.0.1:${env['CHATLAB_COMPOSE_SEARCH_PORT']}`,
    ]);
    expect(up.code, up.stderr).toBe(0);
    const s = JSON.parse((await runCli(['--state-dir', dir, 'status', '--json'])).stdout);
    expect(s.provider).toBe('external');
    const e = s.infra;
    await redisRoundTrip(e);
    await kafkaRoundTrip(e);
    await cassandraRoundTrip(e);
    await searchRoundTrip(e);
    await stackSchemaExists(e);
    expect((await runCli(['--state-dir', dir, 'down'])).code).toBe(0);
  }, 300_000);

  it('compose down -v leaves no container, volume or network of the project', () => {
    compose(['down', '-v', '-t', '10']);
    expect(dockerObjects(label)).toEqual(before);
  });
});

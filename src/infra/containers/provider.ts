import crypto from 'node:crypto';
import type { WaitStrategy } from 'testcontainers';
import os from 'node:os';
import path from 'node:path';
import { ChatlabError, ErrorCodes, defaultCacheDir, errorMessage } from '../../core/index.js';
import { cassandraReleaseVersion, kafkaMetadata, pingRedis, searchClusterHealth } from '../checks.js';
import { buildLocalImages } from '../images/build.js';
import { OFFICIAL_IMAGES, type ImageChoice } from '../images/names.js';
import { dockerode, imageInfo, imagesStatus, LABEL, removeStackContainers, STACK_LABEL, type ImageStatus } from '../images/runtime.js';
import { freePort } from '../ports.js';
import { waitUntil } from '../readiness.js';
import { applySingleNodeDefaults } from '../search-http.js';
import { startAll } from '../start-all.js';
import { COMPONENTS, type ComponentName, type InfraProvider, type StartOptions, type StartedInfra } from '../types.js';
import { cassandraSpec, kafkaSpec, redisSpec, searchSpec, type Heaps, type PartSpec } from './parts.js';

/** Done once the container runs: the part's own readiness check follows. */
class StartedOnly implements WaitStrategy {
  waitUntilReady = async () => {};
  withStartupTimeout = () => this;
  isStartupTimeoutSet = () => true;
  getStartupTimeout = () => 0;
}

/** SimpleSnitch puts the node in this data centre; clients must name it. */
const DATA_CENTER = 'datacenter1';

/** Asks testcontainers whether a container runtime answers, within a time limit. */
export async function containerRuntimeAnswers(timeoutMs = 5000): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    const client = await Promise.race([getContainerRuntimeClient(), timeout]);
    await Promise.race([client.info, timeout]);
    return null;
  } catch (err) {
    return `no container runtime answered (${errorMessage(err).split('\n')[0]})`;
  } finally {
    clearTimeout(timer);
  }
}

/** The label value that ties containers to one state dir (so `down` and the next `up` find them). */
export function stackId(stateDir: string): string {
  return crypto.createHash('sha256').update(path.resolve(stateDir)).digest('hex').slice(0, 16);
}

/** One line on what is missing and how to fix it, or null when every image is there or can be had. */
export function imagesProblem(status: ImageStatus[], canBuild: boolean): string | null {
  const missing = status.filter((s) => s.state === 'missing' || (s.state === 'buildable' && !canBuild));
  if (missing.length === 0) return null;
  const what = missing.map((s) => `${s.image}${s.reason ? ` (${s.reason})` : ''}`).join(', ');
  return `images missing and not pullable: ${what}; build local ones with scripts/build-images.sh and use --images local`;
}

export interface ContainersProviderOptions extends Heaps {
  images?: ImageChoice;
  cacheDir?: string;
}

/**
 * Redis, Kafka, Cassandra and OpenSearch in containers through testcontainers 11. Images from
 * options (official, or local ones built here); testcontainers' reaper (Ryuk, a pulled image)
 * is off: every container carries the labels `chatlab` and `chatlab.stack=<state dir>`, and
 * stop, `down` and the next `up` on that state dir remove them (with their anonymous volumes).
 */
export class ContainersProvider implements InfraProvider {
  readonly name = 'containers' as const;
  private readonly images: ImageChoice;
  private readonly cacheDir: string;

  constructor(readonly options: ContainersProviderOptions = {}) {
    this.images = options.images ?? { set: 'official', images: { ...OFFICIAL_IMAGES } };
    this.cacheDir = options.cacheDir ?? defaultCacheDir();
  }

  async unavailableReason(): Promise<string | null> {
    const runtime = await containerRuntimeAnswers();
    if (runtime) return runtime;
    return imagesProblem(await imagesStatus(await dockerode(), this.images.images), this.images.set === 'local');
  }

  async start(options: StartOptions): Promise<StartedInfra> {
    process.env['TESTCONTAINERS_RYUK_DISABLED'] = 'true';
    const progress = options.onProgress;
    const docker = await dockerode();
    const id = stackId(options.stateDir);
    // a previous up on this state dir that died without stopping its containers
    const leftovers = await removeStackContainers(docker, id);
    if (leftovers.length) progress?.({ component: 'containers', phase: 'preparing', detail: `removed ${leftovers.length} containers left by an earlier run` });
    const images = this.images.images;
    const status = await imagesStatus(docker, images);
    const toBuild = status.filter((s) => s.state === 'buildable').map((s) => s.part);
    if (toBuild.length) {
      await buildLocalImages({
        cacheDir: this.cacheDir,
        parts: toBuild,
        onProgress: (part, line) => progress?.({ component: part === 'base' ? 'images' : part, phase: 'preparing', detail: line }),
      });
    }
    const problem = imagesProblem(await imagesStatus(docker, images), false);
    if (problem) throw new ChatlabError(ErrorCodes.INFRA_UNAVAILABLE, `--infra containers: ${problem}`);

    const { getContainerRuntimeClient, GenericContainer, Wait } = await import('testcontainers');

    const runtimeHost = (await getContainerRuntimeClient()).info.containerRuntime.host;
    const host = runtimeHost === 'localhost' ? '127.0.0.1' : runtimeHost;
    const searchLayout = (await imageInfo(docker, images.search))?.labels['chatlab'] === 'true' ? 'launcher' : 'distribution';
    const processors = Math.max(1, Math.min(2, os.availableParallelism()));
    const specs: Record<ComponentName, PartSpec> = {
      redis: redisSpec(images.redis),
      kafka: kafkaSpec(images.kafka, await freePort(), host, this.options),
      cassandra: cassandraSpec(images.cassandra, this.options),
      search: searchSpec(images.search, searchLayout, processors, this.options),
    };
    const ready: Record<ComponentName, (port: number) => { what: string; check: () => Promise<string> }> = {
      redis: (port) => ({ what: `Redis PING on ${host}:${port}`, check: () => pingRedis(`redis://${host}:${port}`) }),
      kafka: (port) => ({ what: `a Kafka metadata response from ${host}:${port}`, check: async () => `${await kafkaMetadata([`${host}:${port}`])} broker` }),
      cassandra: (port) => ({ what: `SELECT release_version FROM system.local on ${host}:${port}`, check: () => cassandraReleaseVersion([`${host}:${port}`], DATA_CENTER) }),
      search: (port) => ({ what: `OpenSearch cluster health yellow on ${host}:${port}`, check: () => searchClusterHealth(`http://${host}:${port}`, 2000) }),
    };

    const startPart = async (spec: PartSpec, signal: AbortSignal) => {
      progress?.({ component: spec.part, phase: 'starting', detail: spec.image });
      let container = new GenericContainer(spec.image)
        .withEnvironment(spec.env)
        .withLabels({ [LABEL]: 'true', [STACK_LABEL]: id, 'chatlab.part': spec.part })
        .withExposedPorts(spec.hostPort ? { container: spec.port, host: spec.hostPort } : spec.port)
        // readiness is chatlab's own check below, the native provider's; testcontainers' port
        // check execs into the container again and again (minutes of a loaded 2-core machine)
        .withWaitStrategy(spec.logReady ? Wait.forLogMessage(spec.logReady).withStartupTimeout(180_000) : new StartedOnly());
      if (spec.command) container = container.withCommand(spec.command);
      if (spec.files.length) container = container.withCopyContentToContainer(spec.files);
      const started = await container.start();
      const stop = async () => void (await started.stop({ remove: true, removeVolumes: true, timeout: 10_000 }).catch(() => {}));
      try {
        const port = started.getMappedPort(spec.port);
        const r = ready[spec.part](port);
        progress?.({ component: spec.part, phase: 'waiting', detail: r.what });
        let exited: string | null = null;
        const check = () =>
          r.check().catch(async (err) => {
            const state = await docker.getContainer(started.getId()).inspect().then((i) => i.State, () => null);
            if (state && !state.Running) exited = `the container exited (code ${state.ExitCode})`;
            throw err;
          });
        const version = await waitUntil(check, { what: r.what, timeoutMs: 180_000, intervalMs: 500, signal, fatal: () => exited });
        if (spec.part === 'search') await applySingleNodeDefaults(`http://${host}:${port}`);
        return { id: started.getId(), port, version, stop };
      } catch (err) {
        const logs = await started.logs({ tail: 20 }).then(
          (stream) =>
            new Promise<string>((resolve) => {
              let text = '';
              stream.on('data', (d: Buffer) => (text += d.toString()));
              stream.on('end', () => resolve(text));
              setTimeout(() => resolve(text), 2000);
            }),
          () => '',
        );
        await stop();
        throw new ChatlabError(ErrorCodes.INFRA_START, `${spec.part} (${spec.image}) failed to start: ${errorMessage(err)}`, { details: `last lines of its log:\n${logs}`, cause: err });
      }
    };
    const started = await startAll(
      Object.fromEntries(COMPONENTS.map((part) => [part, (signal: AbortSignal) => startPart(specs[part], signal)])) as {
        [K in ComponentName]: (signal: AbortSignal) => ReturnType<typeof startPart>;
      },
      { signal: options.signal, onProgress: progress },
    ).catch(async (err) => {
      await removeStackContainers(docker, id).catch(() => {});
      throw err;
    });
    const { redis, kafka, cassandra, search } = started;
    return {
      provider: 'containers',
      endpoints: {
        redis: { url: `redis://${host}:${redis.port}` },
        kafka: { brokers: [`${host}:${kafka.port}`] },
        cassandra: { contactPoints: [`${host}:${cassandra.port}`], localDataCenter: DATA_CENTER },
        search: { url: `http://${host}:${search.port}` },
      },
      processes: [],
      containerIds: [redis.id, kafka.id, cassandra.id, search.id],
      versions: {
        redis: `${redis.version} (${images.redis})`,
        kafka: images.kafka,
        cassandra: `${cassandra.version} (${images.cassandra})`,
        search: `opensearch ${search.version} (${images.search})`,
      },
      stop: async () => {
        await Promise.allSettled([redis.stop(), kafka.stop(), cassandra.stop(), search.stop()]);
        await removeStackContainers(docker, id).catch(() => {});
      },
    };
  }
}

/** Stops the containers a detached `up` recorded, then any other container labelled with that state dir. */
export async function stopContainers(ids: string[], stateDir?: string): Promise<void> {
  const docker = await dockerode();
  await Promise.allSettled(
    ids.map(async (cid) => {
      const container = docker.getContainer(cid);
      await container.stop({ t: 10 }).catch(() => {});
      await container.remove({ v: true, force: true });
    }),
  );
  if (stateDir) await removeStackContainers(docker, stackId(stateDir));
}



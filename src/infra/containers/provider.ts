import { errorMessage } from '../../core/index.js';
import { startAll } from '../start-all.js';
import type { InfraProvider, StartOptions, StartedInfra } from '../types.js';

/** Same versions as docker-compose.yml and the native provider. */
export const CONTAINER_IMAGES = {
  redis: 'redis:7.0-alpine',
  kafka: 'confluentinc/cp-kafka:8.1.0', // Kafka 4.1
  cassandra: 'cassandra:5.0',
} as const;

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

/** Redis, Kafka and Cassandra on testcontainers 11, for machines where a runtime answers. */
export class ContainersProvider implements InfraProvider {
  readonly name = 'containers' as const;

  unavailableReason(): Promise<string | null> {
    return containerRuntimeAnswers();
  }

  async start(options: StartOptions): Promise<StartedInfra> {
    // A detached stack must outlive this process: the reaper would remove it when we exit.
    if (options.detached) process.env['TESTCONTAINERS_RYUK_DISABLED'] = 'true';
    const [{ RedisContainer }, { KafkaContainer }, { CassandraContainer }] = await Promise.all([
      import('@testcontainers/redis'),
      import('@testcontainers/kafka'),
      import('@testcontainers/cassandra'),
    ]);
    const progress = options.onProgress;
    const wrap = <T extends { stop(): Promise<unknown>; getId(): string }>(c: T) => ({ c, stop: async () => void (await c.stop()) });
    const started = await startAll(
      {
        redis: async () => {
          progress?.({ component: 'redis', phase: 'starting', detail: CONTAINER_IMAGES.redis });
          return wrap(await new RedisContainer(CONTAINER_IMAGES.redis).start());
        },
        kafka: async () => {
          progress?.({ component: 'kafka', phase: 'starting', detail: CONTAINER_IMAGES.kafka });
          return wrap(await new KafkaContainer(CONTAINER_IMAGES.kafka).withKraft().start());
        },
        cassandra: async () => {
          progress?.({ component: 'cassandra', phase: 'starting', detail: CONTAINER_IMAGES.cassandra });
          return wrap(await new CassandraContainer(CONTAINER_IMAGES.cassandra).withDatacenter(DATA_CENTER).start());
        },
      },
      { signal: options.signal, onProgress: progress },
    );
    const { redis, kafka, cassandra } = started;
    return {
      provider: 'containers',
      endpoints: {
        redis: { url: redis.c.getConnectionUrl() },
        kafka: { brokers: [`${kafka.c.getHost()}:${kafka.c.getMappedPort(9093)}`] },
        cassandra: { contactPoints: [cassandra.c.getContactPoint()], localDataCenter: DATA_CENTER },
      },
      processes: [],
      containerIds: [redis.c.getId(), kafka.c.getId(), cassandra.c.getId()],
      versions: { redis: CONTAINER_IMAGES.redis, kafka: CONTAINER_IMAGES.kafka, cassandra: CONTAINER_IMAGES.cassandra },
      stop: async () => {
        await Promise.allSettled([redis.stop(), kafka.stop(), cassandra.stop()]);
      },
    };
  }
}

/** Stops containers recorded by a detached `up` (another process started them). */
export async function stopContainers(ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const { getContainerRuntimeClient } = await import('testcontainers');
  const client = await getContainerRuntimeClient();
  await Promise.allSettled(
    ids.map(async (id) => {
      const container = client.container.getById(id);
      await client.container.stop(container, { timeout: 10 });
      await client.container.remove(container, { removeVolumes: true });
    }),
  );
}

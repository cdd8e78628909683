import { errorMessage } from '../../core/index.js';
import { SEARCH_DEFAULT_HEAP } from '../native/opensearch-config.js';
import { applySingleNodeDefaults } from '../search-http.js';
import { startAll } from '../start-all.js';
import type { InfraProvider, StartOptions, StartedInfra } from '../types.js';

/** Same versions as docker-compose.yml and the native provider. */
export const CONTAINER_IMAGES = {
  redis: 'redis:7.0-alpine',
  kafka: 'confluentinc/cp-kafka:8.1.0', // Kafka 4.1
  cassandra: 'cassandra:5.0',
  search: 'opensearchproject/opensearch:2.19.6', // the native jars' version (3.x needs Java 21)
} as const;

const SEARCH_HTTP_PORT = 9200;

/**
 * The settings the native node has (single node, no disk watermarks, small heap); the image's
 * security plugin is switched off, so plain HTTP without credentials, like the native node.
 */
export function searchContainerEnvironment(heap: string = SEARCH_DEFAULT_HEAP): Record<string, string> {
  return {
    'discovery.type': 'single-node',
    DISABLE_SECURITY_PLUGIN: 'true',
    DISABLE_INSTALL_DEMO_CONFIG: 'true',
    'cluster.routing.allocation.disk.threshold_enabled': 'false',
    'indices.breaker.total.use_real_memory': 'false',
    OPENSEARCH_JAVA_OPTS: `-Xms${heap} -Xmx${heap}`,
  };
}

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

/** Redis, Kafka, Cassandra and OpenSearch on testcontainers 11, for machines where a runtime answers. */
export class ContainersProvider implements InfraProvider {
  readonly name = 'containers' as const;

  unavailableReason(): Promise<string | null> {
    return containerRuntimeAnswers();
  }

  async start(options: StartOptions): Promise<StartedInfra> {
    // A detached stack must outlive this process: the reaper would remove it when we exit.
    if (options.detached) process.env['TESTCONTAINERS_RYUK_DISABLED'] = 'true';
    const [{ RedisContainer }, { KafkaContainer }, { CassandraContainer }, { GenericContainer, Wait }] = await Promise.all([
      import('@testcontainers/redis'),
      import('@testcontainers/kafka'),
      import('@testcontainers/cassandra'),
      import('testcontainers'),
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
        search: async () => {
          progress?.({ component: 'search', phase: 'starting', detail: CONTAINER_IMAGES.search });
          const container = await new GenericContainer(CONTAINER_IMAGES.search)
            .withEnvironment(searchContainerEnvironment(process.env['CHATLAB_SEARCH_HEAP']))
            .withExposedPorts(SEARCH_HTTP_PORT)
            .withUlimits({ nofile: { soft: 65536, hard: 65536 } })
            .withWaitStrategy(
              Wait.forHttp('/_cluster/health?wait_for_status=yellow&timeout=1s', SEARCH_HTTP_PORT).forStatusCode(200).withStartupTimeout(180_000),
            )
            .start();
          const started = wrap(container);
          try {
            await applySingleNodeDefaults(`http://${container.getHost()}:${container.getMappedPort(SEARCH_HTTP_PORT)}`);
          } catch (err) {
            await started.stop().catch(() => {});
            throw err;
          }
          return started;
        },
      },
      { signal: options.signal, onProgress: progress },
    );
    const { redis, kafka, cassandra, search } = started;
    return {
      provider: 'containers',
      endpoints: {
        redis: { url: redis.c.getConnectionUrl() },
        kafka: { brokers: [`${kafka.c.getHost()}:${kafka.c.getMappedPort(9093)}`] },
        cassandra: { contactPoints: [cassandra.c.getContactPoint()], localDataCenter: DATA_CENTER },
        search: { url: `http://${search.c.getHost()}:${search.c.getMappedPort(SEARCH_HTTP_PORT)}` },
      },
      processes: [],
      containerIds: [redis.c.getId(), kafka.c.getId(), cassandra.c.getId(), search.c.getId()],
      versions: { redis: CONTAINER_IMAGES.redis, kafka: CONTAINER_IMAGES.kafka, cassandra: CONTAINER_IMAGES.cassandra, search: CONTAINER_IMAGES.search },
      stop: async () => {
        await Promise.allSettled([redis.stop(), kafka.stop(), cassandra.stop(), search.stop()]);
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

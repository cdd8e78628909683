import type { TestProject } from 'vitest/node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NativeProvider, providerFactory, type ProviderFactory } from '../../src/infra/index.js';

// startStack is replaced by a recorder: the test looks at the factory each caller hands it,
// without starting a JVM.
const started = vi.hoisted(() => ({ factories: [] as ProviderFactory[] }));
vi.mock('../../src/stack/index.js', async (importActual) => ({
  ...(await importActual<typeof import('../../src/stack/index.js')>()),
  startStack: async (options: { factory: ProviderFactory; stateDir: string }) => {
    started.factories.push(options.factory);
    return {
      state: { provider: 'native', secret: 's', services: [], stateDir: options.stateDir },
      infra: { endpoints: {} },
      stop: async () => {},
    };
  },
}));

const HEAPS = { CHATLAB_KAFKA_HEAP: '384m', CHATLAB_CASSANDRA_HEAP: '768m' };

function nativeOptionsOf(factory: ProviderFactory | undefined): unknown {
  const provider = factory?.native();
  expect(provider).toBeInstanceOf(NativeProvider);
  return (provider as NativeProvider).options;
}

describe('one provider factory for up, run and the integration stack', () => {
  beforeEach(() => {
    started.factories.length = 0;
    for (const [k, v] of Object.entries(HEAPS)) vi.stubEnv(k, v);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('passes CHATLAB_KAFKA_HEAP and CHATLAB_CASSANDRA_HEAP to the native provider', () => {
    expect(nativeOptionsOf(providerFactory())).toEqual({ kafkaHeap: '384m', cassandraHeap: '768m' });
    expect(nativeOptionsOf(providerFactory({}, {}))).toEqual({ kafkaHeap: undefined, cassandraHeap: undefined });
  });

  it('the stack `chatlab run` starts for itself honours the heap variables', async () => {
    const { startRunStack } = await import('../../src/cli/index.js');
    await startRunStack('/tmp/chatlab-factory-test', 'native', 1);
    expect(started.factories).toHaveLength(1);
    expect(nativeOptionsOf(started.factories[0])).toEqual({ kafkaHeap: '384m', cassandraHeap: '768m' });
  });

  it('the integration tests’ shared stack honours the heap variables', async () => {
    const globalSetup = await import('../integration/global-setup.js');
    await globalSetup.setup({ provide: () => {} } as unknown as TestProject);
    await globalSetup.teardown();
    expect(started.factories).toHaveLength(1);
    expect(nativeOptionsOf(started.factories[0])).toEqual({ kafkaHeap: '384m', cassandraHeap: '768m' });
  });
});

import { externalEndpoints, type ExternalFlags } from './config.js';
import { ContainersProvider } from './containers/provider.js';
import { resolveImages } from './images/names.js';
import { ExternalProvider } from './external/provider.js';
import { NativeProvider, type NativeProviderOptions } from './native/provider.js';
import type { ProviderFactory } from './select.js';

/** The heaps from the environment (README: "Heaps"), for the native and the containers provider alike. */
export function nativeOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): NativeProviderOptions {
  return { kafkaHeap: env['CHATLAB_KAFKA_HEAP'], cassandraHeap: env['CHATLAB_CASSANDRA_HEAP'], searchHeap: env['CHATLAB_SEARCH_HEAP'], clusterNet: env['CHATLAB_CLUSTER_NET'] };
}

/**
 * The one way to build providers from flags + environment: `chatlab up`, `chatlab run` and the
 * integration tests' stack all start through it, so a setting the README documents (heaps,
 * external endpoints) reaches every stack, not only the one `up` starts. Each provider is built
 * only when selected: the external one validates its endpoints on construction.
 */
export function providerFactory(flags: ExternalFlags & { images?: string } = {}, env: NodeJS.ProcessEnv = process.env): ProviderFactory {
  // validated here, whichever provider is picked: a bad --images is an error even on native
  const images = resolveImages(flags.images, env);
  return {
    native: () => new NativeProvider(nativeOptionsFromEnv(env)),
    containers: () => new ContainersProvider({ ...nativeOptionsFromEnv(env), images }),
    external: () => new ExternalProvider(externalEndpoints(flags, env)),
  };
}

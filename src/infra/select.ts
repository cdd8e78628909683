import { ChatlabError, ErrorCodes } from '../core/index.js';
import type { Topology } from './topology.js';
import type { InfraChoice, InfraProvider, ProviderName } from './types.js';

function topologyProblem(provider: InfraProvider, topology: Topology): string | null {
  const can = provider.topologies ?? ['single'];
  return can.includes(topology) ? null : `it starts only the ${can.join(', ')} topology, not ${topology}`;
}

export type ProviderFactory = Record<ProviderName, () => InfraProvider>;

/**
 * `auto` takes containers when a runtime really answers and every image is present or pullable
 * (checked with time limits), else native (saying why through onNote), else fails naming what to
 * install. An explicit choice is used as asked, or fails with the reason it cannot be.
 */
export async function selectProvider(choice: InfraChoice, factory: ProviderFactory, onNote?: (line: string) => void, topology: Topology = 'single'): Promise<InfraProvider> {
  if (choice !== 'auto') {
    const provider = factory[choice]();
    const reason = topologyProblem(provider, topology) ?? (await provider.unavailableReason());
    if (reason) throw new ChatlabError(ErrorCodes.INFRA_UNAVAILABLE, `--infra ${choice} cannot run here: ${reason}`);
    return provider;
  }
  const reasons: string[] = [];
  for (const name of ['containers', 'native'] as const) {
    const provider = factory[name]();
    const reason = topologyProblem(provider, topology) ?? (await provider.unavailableReason());
    if (!reason) {
      // one line saying why auto did not take containers
      if (reasons.length) onNote?.(`--infra auto: ${name}, because ${reasons.join('; ')}`);
      return provider;
    }
    reasons.push(`${name}: ${reason}`);
  }
  throw new ChatlabError(ErrorCodes.INFRA_UNAVAILABLE, 'no way to run Redis, Kafka and Cassandra here', {
    details: [
      ...reasons.map((r) => `- ${r}`),
      'Install a container runtime (Docker or Podman), or for the native provider: Java 17, Maven and redis-server',
      '(Debian/Ubuntu: apt-get install -y openjdk-17-jre-headless maven redis-server),',
      'or point chatlab at your own clusters with --infra external.',
    ].join('\n'),
  });
}

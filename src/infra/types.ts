import type { ClusterNodes, Topology } from './topology.js';

/** What every provider hands back: endpoints of the four backing systems. */
export interface InfraEndpoints {
  redis: { url: string };
  kafka: { brokers: string[] };
  cassandra: { contactPoints: string[]; localDataCenter: string };
  /** The search engine (OpenSearch, Elasticsearch-compatible REST): base URL, no trailing slash. */
  search: { url: string };
}

export type ProviderName = 'native' | 'containers' | 'external';
export type InfraChoice = ProviderName | 'auto';
export type ComponentName = 'redis' | 'kafka' | 'cassandra' | 'search';
export const COMPONENTS: readonly ComponentName[] = ['redis', 'kafka', 'cassandra', 'search'];

/** A process chatlab owns and may have to stop from another invocation (`chatlab down`). */
export interface OwnedProcess {
  name: string;
  pid: number;
  /** A string that must appear in /proc/<pid>/cmdline, so a recycled pid is never killed. */
  marker: string;
  logFile?: string;
  /** How long a graceful stop may take before SIGKILL, when not the default (a JVM recording its class-data archive at exit needs longer). */
  stopGraceMs?: number;
  /** How to start it again with the same ports and data (restart faults). */
  spawn?: { command: string; args: string[]; cwd?: string; logFile: string; env?: Record<string, string> };
}

/** Progress reported while a stack starts: one line per component change. */
export type ProgressEvent =
  | { component: string; phase: 'preparing' | 'starting' | 'waiting' | 'ready' | 'failed' | 'stopping' | 'stopped'; detail?: string };
export type ProgressFn = (event: ProgressEvent) => void;

export interface StartOptions {
  stateDir: string;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  /** Stay up after this process exits (`up --detach`): no reaper tied to our lifetime. */
  detached?: boolean;
  /** One node per store (default) or three (topology.ts). */
  topology?: Topology;
}

/** One running backing system (started objects know their endpoints and stop: docs/architecture.md#conventions). */
export interface StartedComponent {
  name: ComponentName;
  processes: OwnedProcess[];
  containerIds: string[];
  stop(): Promise<void>;
}

export interface StartedInfra {
  provider: ProviderName;
  endpoints: InfraEndpoints;
  processes: OwnedProcess[];
  containerIds: string[];
  versions: Partial<Record<ComponentName, string>>;
  /** Default single. */
  topology?: Topology;
  /**
   * The cluster topology's nodes (absent for a single node). The native provider starts them;
   * the containers provider (a container per node on its network) and external clusters (the
   * user's own, named by their contact points) list them the same way.
   */
  nodes?: ClusterNodes;
  /** Whether each node's outgoing connections leave from its own address (isolation faults need it). */
  nodesBound?: boolean;
  stop(): Promise<void>;
}

export interface InfraProvider {
  readonly name: ProviderName;
  /** The topologies it can start (default: single only); `up --topology` is refused, with this list, for another. */
  readonly topologies?: readonly Topology[];
  /** null when usable here; otherwise why not (what to install, what did not answer). */
  unavailableReason(): Promise<string | null>;
  start(options: StartOptions): Promise<StartedInfra>;
}

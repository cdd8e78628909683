import type { z } from 'zod';
import type { Conversation } from '../store/index.js';
import type { CheckerResult } from './checker/index.js';
import type { FanoutRow, HeadlineChart, RunResult, TimelineEvent } from './result.js';
import type { LoadPool, PoolOptions } from './pool.js';
import type { WorkerCollected } from './load/protocol.js';
import type { LatencySummary } from '../core/index.js';
import type { ComponentName } from '../infra/index.js';
import type { StackState } from '../stack/index.js';

/** A scenario file (scenarios/*.ts): typed parameters with CI-sized defaults, and a run. */
export interface ScenarioDefinition<P extends Record<string, unknown> = Record<string, unknown>> {
  name: string;
  description: string;
  /** Validates `--set` values (strings from the CLI: use z.coerce) and fills defaults. */
  params: z.ZodType<P>;
  /** Variants run when the user gives no comma list (e.g. backoff=none,full-jitter). */
  defaultSets?: Record<string, string[]>;
  /** Default thresholds (`lost == 0`, `p99 < 250`); they decide the exit code. */
  thresholds: string[] | ((params: P) => string[]);
  /** Gateway/presence/receipts options this variant needs (the engine restarts services to apply them). */
  serviceOptions?: (params: P) => { gateway?: Record<string, unknown>; presence?: Record<string, unknown>; receipts?: Record<string, unknown> };
  /** Better direction per measure for the comparison (default lower). */
  better?: Record<string, 'lower' | 'higher'>;
  /** What each parameter means (shown by `chatlab scenarios` and `run --help`). */
  paramDocs?: Record<string, string>;
  /** What each value of an enum parameter means, parameter → value → meaning (`chatlab scenarios <name>` lists them). */
  choiceDocs?: Record<string, Record<string, string>>;
  /**
   * The measures the run returns, name → meaning; `@<n>` in a name stands for a number
   * (`publishesPerMsg@<size>`). When given, thresholds naming anything else are refused up front.
   */
  measures?: Record<string, string>;
  /** What the report opens with: the headline measures, a sentence stating them, the chart that shows them (docs/scenario-api.md). */
  finding?: FindingHook;
  /** Whether the run needs native infra processes (restart/pause faults). */
  needsNativeInfra?: boolean;
  /** Why the running stack cannot serve a variant (e.g. its fault); checked for every variant before any runs, refused with CHATLAB_E_CONFIG. */
  cannotRun?(params: P, stack: StackState): string | undefined;
  run(ctx: ScenarioContext, params: P): Promise<ScenarioOutcome>;
}

/**
 * A scenario's finding. Without one the report states a generic finding (the largest
 * difference between variants, or the delivery and latency of a single variant).
 */
export interface FindingHook {
  /** Headline measure keys: a measure name (`recoverMs`), `latency.p99` or `checker.lost`. Their spread and verdict are tabled under the sentence. */
  measures: string[] | ((run: RunResult) => string[]);
  /** One or two sentences computed from the run's data (medians when repeated). */
  state(run: RunResult): string;
  /** The one chart that shows it; omitted: none. */
  chart?(run: RunResult): HeadlineChart | undefined;
  /** Options and parameters a reader needs (the generic ones, which parameters vary, come anyway). */
  settings?(run: RunResult): string[];
  /** Extra caveats (small samples the generic checks cannot see). */
  caveats?(run: RunResult): string[];
}

export interface ScenarioOutcome {
  /** Measures compared across variants (name → number). */
  measures: Record<string, number>;
  fanout?: FanoutRow[];
  /** Curves for the headline chart (name → [x, y]), kept in the report as `curves`. */
  curves?: Record<string, Array<[number, number | null]>>;
  /** Override the engine's latency (e.g. a scenario measuring something else than send→deliver). */
  latency?: LatencySummary;
  /** When set, the checker counts come from here instead of the pool history. */
  checker?: CheckerResult;
}

export interface ClientSpec {
  userId: string;
  conversations: string[];
}

export interface ScenarioContext {
  readonly runId: string;
  readonly seed: number;
  readonly stateDir: string;
  readonly gateways: Array<{ name: string; url: string }>;
  /** Unique per variant: user ids and conversations never collide with another run. */
  readonly prefix: string;
  phase(label: string): void;
  fault(label: string): void;
  info(label: string): void;
  sleep(ms: number): Promise<void>;
  /** Creates conversations (direct when 2 members) through the store, as `chatlab seed` does. */
  createConversations(memberLists: string[][]): Promise<Conversation[]>;
  /**
   * Creates a conversation through a gateway's HTTP API (`POST /v1/conversations` on gateway
   * `gatewayIndex`, then the others if it is down) as user `by`, as an app does: the gateways
   * learn it from the stack, not from a seed. The checker expects its sends at its members.
   */
  createConversationVia(gatewayIndex: number, by: string, members: string[]): Promise<Conversation>;
  /**
   * Adds (`joined`) or removes (`left`) members through a gateway's HTTP API as user `by`
   * (retrying 429/503 and gateways that are down), then tells the clients concerned. The
   * checker then judges those conversations by membership over time (leaks, lost).
   */
  changeMembers(conversationId: string, by: string, change: 'joined' | 'left', userIds: string[]): Promise<import('./members.js').MemberChangeDone>;
  /** Forks load workers holding these clients (not yet connected). */
  startClients(clients: ClientSpec[], o?: Partial<Pick<PoolOptions, 'workers' | 'backoff' | 'recordHistory' | 'bodyBytes' | 'autoRead' | 'searchBodies' | 'localStoreDir' | 'transport'>>): Promise<LoadPool>;
  /** Waits until every client is connected, synced and has no unacked send (or the timeout). */
  quiesce(pool: LoadPool, timeoutMs?: number): Promise<boolean>;
  /**
   * Collects the pool's history and runs the delivery checker on it (with stored history). The
   * clients' receipts and member frames are judged for leaks; `observations` adds what the
   * scenario itself saw as users (history pages, search hits); `deletions` the messages it
   * deleted (answered 200): a recipient that never got one is not owed it. `stored`: the ids the
   * acked-vs-stored cross-check read from Cassandra (at ALL on a cluster).
   */
  check(pool: LoadPool, collected?: WorkerCollected[], extra?: { observations?: readonly import('./checker/index.js').ObservationRecord[]; deletions?: readonly import('./checker/index.js').DeletionRecord[] }): Promise<{ checker: CheckerResult; collected: WorkerCollected[]; membership?: import('./checker/index.js').MembershipHistory; stored: string[] }>;
  /** Sum of a Prometheus counter over every service (optionally only one kind). */
  scrape(metric: string, labels?: Record<string, string>, kind?: string): Promise<number>;
  /** Faults on one node of the cluster topology (`cassandra-2`, `kafka-1`); each repaired by the variant's end at the latest. */
  readonly nodes: {
    kill(id: string): Promise<void>;
    restart(id: string): Promise<void>;
    pause(id: string): void;
    resume(id: string): void;
    isolate(id: string): Promise<void>;
    heal(id: string): Promise<void>;
    /** The broker (`kafka-2`) leading chat.messages right now. */
    kafkaLeader(): Promise<string>;
    /** nodetool on a Cassandra node (`repair -full chatlab messages`, `flush`, `disablehandoff`): its stdout. */
    nodetool(id: string, args: readonly string[]): Promise<string>;
  };
  readonly control: {
    killGateway(name: string): Promise<void>;
    termGateway(name: string): Promise<void>;
    startGateway(name: string): Promise<void>;
    /** An infra process chatlab runs itself (`--infra native`): stopped, started, restarted, paused (SIGSTOP), resumed (SIGCONT). */
    stopInfra(component: ComponentName): Promise<void>;
    startInfra(component: ComponentName): Promise<void>;
    restartInfra(component: ComponentName): Promise<void>;
    pauseInfra(component: ComponentName): void;
    resumeInfra(component: ComponentName): void;
    stopService(name: string): Promise<void>;
    startService(name: string): Promise<void>;
    /** Steps a gateway's clock `offsetMs` from true time while it runs (0: back to true time). */
    skewClock(name: string, offsetMs: number): Promise<void>;
  };
  readonly endpoints: import('../infra/index.js').InfraEndpoints;
}

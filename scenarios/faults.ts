import { z } from 'zod';
import type { ComponentName } from '../src/infra/index.js';
import type { ScenarioContext } from '../src/scenario/index.js';
import type { ServiceKind, StackState } from '../src/stack/index.js';

/**
 * The fault registry: every fault a scenario can inject (`--set fault=`), one entry each. The
 * `fault` parameter's values, `chatlab scenarios`' list and the README's table derive from it,
 * and a run whose stack cannot serve a variant's fault is refused before anything runs.
 */
export interface FaultKind {
  name: string;
  /** One line: what goes wrong (and how it is repaired). */
  description: string;
  /** chat: reconnect-race and membership-churn; search: the search scenario; any: both. */
  scope: 'chat' | 'search' | 'any';
  /** What the running stack must offer; a stack without it is refused (CHATLAB_E_CONFIG). */
  needs: FaultNeeds;
  /** Strikes, records it on the timeline (`ctx.fault`), and returns what repairs it. */
  inject(ctx: ScenarioContext, env: FaultEnv): Promise<Repair>;
}

export interface FaultNeeds {
  /** Gateways running (gateway faults strike the last one). */
  gateways?: number;
  /** Infra processes chatlab runs itself (`--infra native`) and so can stop, pause or restart. */
  processes?: ComponentName[];
  /** Kinds of service running (persist-worker, indexer, …). */
  services?: ServiceKind[];
  /** Node faults: three nodes per store that chatlab runs itself (`chatlab up --topology cluster --infra native`). */
  topology?: 'cluster';
}

/** What a scenario hands the fault: the gateway it strikes, how to drop half its clients, the clock step. */
export interface FaultEnv {
  gateway: string;
  dropHalf(): Promise<void>;
  skewMs: number;
}

export type Repair = () => Promise<void>;
const nothing: Repair = async () => {};

/** Every fault, in the order `chatlab scenarios` and the README list them. */
const BUILT_IN: FaultKind[] = [
  { name: 'none', description: 'nothing goes wrong', scope: 'any', needs: {}, inject: async () => nothing },
  {
    name: 'kill-gateway', description: 'kill -9 a gateway, restart it at the repair', scope: 'chat', needs: { gateways: 1 },
    async inject(ctx, { gateway }) {
      ctx.fault(`kill -9 ${gateway}`);
      await ctx.control.killGateway(gateway);
      return restartGateway(ctx, gateway);
    },
  },
  {
    name: 'term-gateway', description: 'SIGTERM a gateway (graceful: clients are told to reconnect), restart it at the repair', scope: 'chat', needs: { gateways: 1 },
    async inject(ctx, { gateway }) {
      ctx.fault(`SIGTERM ${gateway} (graceful)`);
      await ctx.control.termGateway(gateway);
      return restartGateway(ctx, gateway);
    },
  },
  {
    name: 'drop-connections', description: 'drop 50% of the connections at once (no close frame)', scope: 'chat', needs: {},
    async inject(ctx, { dropHalf }) {
      ctx.fault('drop 50% of connections at once');
      await dropHalf();
      return nothing;
    },
  },
  {
    name: 'restart-redis', description: 'restart Redis without persistence (caches, dedupe keys and streams are gone)', scope: 'chat', needs: { processes: ['redis'] },
    async inject(ctx) {
      ctx.fault('restart Redis (no persistence: caches, dedupe keys and streams are gone)');
      await ctx.control.restartInfra('redis');
      return nothing;
    },
  },
  {
    name: 'pause-kafka', description: 'pause Kafka (SIGSTOP), resume it (SIGCONT) at the repair', scope: 'chat', needs: { processes: ['kafka'] },
    async inject(ctx) {
      ctx.fault('pause Kafka (SIGSTOP)');
      ctx.control.pauseInfra('kafka');
      return async () => {
        ctx.fault('resume Kafka (SIGCONT)');
        ctx.control.resumeInfra('kafka');
      };
    },
  },
  {
    name: 'restart-cassandra', description: 'stop Cassandra, start it at the repair', scope: 'chat', needs: { processes: ['cassandra'] },
    async inject(ctx) {
      ctx.fault('stop Cassandra');
      await ctx.control.stopInfra('cassandra');
      return async () => {
        ctx.fault('start Cassandra');
        await ctx.control.startInfra('cassandra');
      };
    },
  },
  {
    name: 'stop-persist', description: 'stop the persist worker (Kafka → Cassandra), start it at the repair', scope: 'chat', needs: { services: ['persist-worker'] },
    async inject(ctx) {
      ctx.fault('stop the persist worker');
      await ctx.control.stopService('persist-worker');
      return async () => {
        ctx.fault('start the persist worker');
        await ctx.control.startService('persist-worker');
      };
    },
  },
  {
    name: 'clock-skew', description: "step a gateway's clock by `skewMs` while traffic flows, back to true time at the repair", scope: 'chat', needs: { gateways: 1 },
    async inject(ctx, { gateway, skewMs }) {
      ctx.fault(`step ${gateway}'s clock ${skewMs > 0 ? 'forward' : 'back'} ${Math.abs(skewMs)} ms`);
      await ctx.control.skewClock(gateway, skewMs);
      return async () => {
        ctx.fault(`${gateway}'s clock back on true time`);
        await ctx.control.skewClock(gateway, 0);
      };
    },
  },
  {
    name: 'stop-engine', description: 'stop the search engine (OpenSearch), start it at the repair', scope: 'search', needs: { processes: ['search'] },
    async inject(ctx) {
      ctx.fault('stop the search engine');
      await ctx.control.stopInfra('search');
      return async () => {
        ctx.fault('start the search engine');
        await ctx.control.startInfra('search');
      };
    },
  },
  {
    name: 'stop-indexer', description: 'stop the indexer (Kafka → search engine), start it at the repair', scope: 'search', needs: { services: ['indexer'] },
    async inject(ctx) {
      ctx.fault('stop the indexer');
      await ctx.control.stopService('indexer');
      return async () => {
        ctx.fault('start the indexer');
        await ctx.control.startService('indexer');
      };
    },
  },
];

/** The Cassandra node the node faults strike (any of the three would do: all hold every row at RF 3). */
export const STRUCK_CASSANDRA_NODE = 'cassandra-3';

/** kill -9 / SIGSTOP / a partition of one node; the node is found when the fault strikes (the Kafka leader moves). */
function nodeFault(store: 'cassandra' | 'kafka', how: 'kill' | 'pause' | 'isolate'): FaultKind {
  const what = store === 'cassandra' ? 'a Cassandra node' : 'the Kafka broker leading chat.messages';
  const descriptions = {
    kill: `kill -9 ${what}, restart it at the repair`,
    pause: `pause ${what} (SIGSTOP), resume it (SIGCONT) at the repair`,
    isolate: `cut ${what} off from its peers and clients (nftables on its loopback address), heal at the repair`,
  };
  return {
    name: `${how}-${store === 'cassandra' ? 'cassandra-node' : 'kafka-leader'}`,
    description: descriptions[how],
    scope: 'any',
    needs: { topology: 'cluster' },
    async inject(ctx) {
      const id = store === 'cassandra' ? STRUCK_CASSANDRA_NODE : await ctx.nodes.kafkaLeader();
      if (how === 'kill') {
        ctx.fault(`kill -9 ${id}`);
        await ctx.nodes.kill(id);
        return async () => {
          ctx.fault(`restart ${id}`);
          await ctx.nodes.restart(id);
        };
      }
      if (how === 'pause') {
        ctx.fault(`pause ${id} (SIGSTOP)`);
        ctx.nodes.pause(id);
        return async () => {
          ctx.fault(`resume ${id} (SIGCONT)`);
          ctx.nodes.resume(id);
        };
      }
      ctx.fault(`isolate ${id} (nftables: no packet from or to its address)`);
      await ctx.nodes.isolate(id);
      return async () => {
        ctx.fault(`heal ${id}'s partition`);
        await ctx.nodes.heal(id);
      };
    },
  };
}

const NODE_FAULTS: FaultKind[] = (['cassandra', 'kafka'] as const).flatMap((store) => (['kill', 'pause', 'isolate'] as const).map((how) => nodeFault(store, how)));

function restartGateway(ctx: ScenarioContext, gateway: string): Repair {
  return async () => {
    ctx.fault(`restart ${gateway}`);
    await ctx.control.startGateway(gateway);
  };
}

export type FaultRegistry = ReturnType<typeof faultRegistry>;

/** A registry over these entries (the built-in one is `faults`; a test builds its own). */
export function faultRegistry(kinds: readonly FaultKind[]) {
  const byName = new Map(kinds.map((k) => [k.name, k] as const));
  if (byName.size !== kinds.length) throw new Error('two faults share a name');
  const inScope = (scope: 'chat' | 'search') => kinds.filter((k) => k.scope === scope || k.scope === 'any');
  const kindOf = (name: string): FaultKind => {
    const k = byName.get(name);
    if (!k) throw new Error(`no fault named ${name}`);
    return k;
  };
  return {
    kinds,
    /** The fault names a scope offers (`--set fault=` values). */
    names: (scope: 'chat' | 'search'): string[] => inScope(scope).map((k) => k.name),
    /** The `fault` parameter of a scenario of this scope. */
    param(scope: 'chat' | 'search', fallback: string) {
      const names = inScope(scope).map((k) => k.name);
      return z.enum(names as [string, ...string[]]).default(fallback);
    },
    /** name → description, for `chatlab scenarios` (a scenario's `choiceDocs.fault`). */
    docs: (scope: 'chat' | 'search'): Record<string, string> => Object.fromEntries(inScope(scope).map((k) => [k.name, k.description])),
    /** Why this stack cannot serve the fault (undefined: it can). */
    unmet(name: string, stack: StackState): string | undefined {
      const { gateways = 0, processes = [], services = [], topology } = kindOf(name).needs;
      if (topology === 'cluster') {
        if (stack.topology !== 'cluster') return `fault ${name} strikes one node of three: it needs the cluster topology (chatlab up --topology cluster)`;
        if (!stack.processes.some((q) => q.name.startsWith('cassandra-') && q.spawn)) return `fault ${name} needs nodes chatlab runs itself (chatlab up --topology cluster --infra native; this stack: ${stack.provider ?? 'unknown'})`;
      }
      const running = stack.services.filter((s) => s.kind === 'gateway').length;
      if (running < gateways) return `fault ${name} needs ${gateways} gateway(s); this stack runs ${running}`;
      // on a cluster, a fault on `kafka` or `cassandra` strikes its first node
      const missing = processes.filter((p) => !stack.processes.some((q) => (q.name === p || q.name === `${p}-1`) && q.spawn));
      if (missing.length > 0) return `fault ${name} stops, pauses or restarts ${missing.join(', ')}, which only a stack chatlab runs itself can do (chatlab up --infra native; this stack: ${stack.provider ?? 'unknown'})`;
      const absent = services.filter((s) => !stack.services.some((q) => q.kind === s));
      if (absent.length > 0) return `fault ${name} needs a running ${absent.join(', ')}; this stack has none`;
      return undefined;
    },
    /** Strikes; `env` defaults to the last gateway, no clock step, and no clients to drop. */
    inject(ctx: ScenarioContext, name: string, env: Partial<FaultEnv> = {}): Promise<Repair> {
      const dropHalf = async () => {
        throw new Error(`fault ${name}: this scenario has no clients to drop`);
      };
      return kindOf(name).inject(ctx, { gateway: ctx.gateways.at(-1)?.name ?? 'gateway-1', dropHalf, skewMs: 0, ...env });
    },
    /** The README's fault table (Markdown). */
    markdown(): string {
      const needs = (n: FaultNeeds) =>
        [n.gateways ? `${n.gateways} gateway${n.gateways > 1 ? 's' : ''}` : '', ...(n.processes ?? []).map((p) => `${p} (native)`), ...(n.services ?? []), n.topology ? 'cluster topology (native)' : ''].filter(Boolean).join(', ') || '—';
      const scenarios = { chat: '`reconnect-race`, `membership-churn`', search: '`search`', any: 'all three' };
      const rows = kinds.map((k) => `| \`${k.name}\` | ${k.description.replace(/\|/g, '\\|')} | ${needs(k.needs)} | ${scenarios[k.scope]} |`);
      return ['| fault | what goes wrong | needs | scenarios |', '| --- | --- | --- | --- |', ...rows].join('\n');
    },
  };
}

export const faults = faultRegistry([...BUILT_IN, ...NODE_FAULTS]);

/** The chat scenarios' faults (reconnect-race, membership-churn). */
export const FAULTS = faults.names('chat');
export type Fault = string;

/** `--set fault=` and `--set skewMs=`, for a chat scenario's params (reconnect-race, membership-churn). */
export const faultParams = {
  /** What goes wrong in the middle of the run (and is repaired a few seconds later). */
  fault: faults.param('chat', 'kill-gateway'),
  /** clock-skew: how far one gateway's clock is stepped (negative: back, as NTP stepping a fast clock does). */
  skewMs: z.coerce.number().int().min(-600_000).max(600_000).default(-3000),
};

/** Injects one fault into a chat run; returns what repairs it. The last gateway is the one struck. */
export function inject(ctx: ScenarioContext, fault: Fault, dropHalf: () => Promise<void>, skewMs = 0): Promise<Repair> {
  return faults.inject(ctx, fault, { dropHalf, skewMs });
}

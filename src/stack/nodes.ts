/**
 * Faults on one node of the cluster topology, from any process: kill -9 and restart, SIGSTOP and
 * SIGCONT, and a network partition that cuts the node off (infra/partition.ts). Like control.ts,
 * everything goes through the state file, and a restarted node's pid is written back.
 */
import { ChatlabError, ErrorCodes } from '../core/index.js';
import {
  Kafka,
  logLevel,
} from '../store/index.js';
import {
  healAddress,
  isolateAddress,
  isOwnedAlive,
  jarDirOf,
  kafkaMetadata,
  onCassandraNode,
  partitionUnavailableReason,
  runNodetool,
  signalGroup,
  spawnOwned,
  stopOwned,
  waitUntil,
  type ClusterNode,
} from '../infra/index.js';
import { readState, writeState, type StackState } from './state.js';

export type NodeStore = 'cassandra' | 'kafka';

function load(stateDir: string): StackState {
  const state = readState(stateDir);
  if (!state) throw new ChatlabError(ErrorCodes.NOT_RUNNING, `no stack is running in ${stateDir}`);
  return state;
}

/** The node named `id` (`cassandra-2`, `kafka-1`) and its process; refuses on a single-node stack or someone else's cluster. */
export function clusterNodeOf(state: StackState, id: string): { store: NodeStore; node: ClusterNode; proc: StackState['processes'][number] } {
  if (state.topology !== 'cluster' || !state.nodes) {
    throw new ChatlabError(ErrorCodes.SCENARIO, 'this fault needs the cluster topology (`chatlab up --topology cluster`)');
  }
  const store: NodeStore = id.startsWith('kafka') ? 'kafka' : 'cassandra';
  const node = state.nodes[store].find((n) => n.id === id);
  if (!node) throw new ChatlabError(ErrorCodes.SCENARIO, `no node named ${id} (nodes: ${[...state.nodes.cassandra, ...state.nodes.kafka].map((n) => n.id).join(', ')})`);
  const proc = state.processes.find((p) => p.name === id);
  if (!proc?.spawn) throw new ChatlabError(ErrorCodes.SCENARIO, `${id} is not a process chatlab runs here (provider ${state.provider}): node faults need --infra native`);
  return { store, node, proc };
}

/** Does this one node answer, asked alone? */
export async function nodeAnswers(state: StackState, store: NodeStore, node: ClusterNode): Promise<void> {
  const hostPort = `${node.address}:${node.port}`;
  if (store === 'kafka') await kafkaMetadata([hostPort]);
  else await onCassandraNode(hostPort, state.endpoints?.cassandra.localDataCenter ?? 'datacenter1', (c) => c.execute('SELECT release_version FROM system.local'));
}

/** kill -9; resolves once the process is gone. */
export async function killNode(stateDir: string, id: string): Promise<void> {
  const { proc } = clusterNodeOf(load(stateDir), id);
  signalGroup(proc.pid, 'SIGCONT');
  signalGroup(proc.pid, 'SIGKILL');
  await stopOwned(proc, 10_000);
}

/** Starts a stopped node again on its address, ports and data; resolves once it answers on its own. */
export async function restartNode(stateDir: string, id: string, timeoutMs = 180_000): Promise<void> {
  const state = load(stateDir);
  const { store, node, proc } = clusterNodeOf(state, id);
  if (isOwnedAlive(proc)) return;
  const spawn = proc.spawn!;
  const started = spawnOwned({ name: proc.name, command: spawn.command, args: spawn.args, cwd: spawn.cwd, logFile: spawn.logFile, extraEnv: spawn.env, marker: proc.marker, stopGraceMs: proc.stopGraceMs });
  const fresh = load(stateDir);
  fresh.processes = fresh.processes.map((p) => (p.name === id ? { ...p, pid: started.pid } : p));
  writeState(fresh);
  await waitUntil(() => nodeAnswers(state, store, node), {
    what: `${id} to answer again on ${node.address}:${node.port}`,
    timeoutMs,
    intervalMs: 500,
    fatal: () => (started.exited() ? `${id} ${started.exited()}` : null),
  });
}

export function pauseNode(stateDir: string, id: string): void {
  signalGroup(clusterNodeOf(load(stateDir), id).proc.pid, 'SIGSTOP');
}

export function resumeNode(stateDir: string, id: string): void {
  signalGroup(clusterNodeOf(load(stateDir), id).proc.pid, 'SIGCONT');
}

/** Cuts the node off from its peers and its clients (nftables), after checking each node's own traffic can be told apart. */
export async function isolateNode(stateDir: string, id: string): Promise<void> {
  const state = load(stateDir);
  const { node } = clusterNodeOf(state, id);
  if (!state.nodesBound) {
    throw new ChatlabError(ErrorCodes.SCENARIO, `${id}'s outgoing connections leave from 127.0.0.1, not ${node.address} (no C compiler built the bind library when the stack started): a rule on its address would cut it off only half-way`);
  }
  const reason = await partitionUnavailableReason();
  if (reason) throw new ChatlabError(ErrorCodes.SCENARIO, reason);
  await isolateAddress(stateDir, node.address);
}

export async function healNode(stateDir: string, id: string): Promise<void> {
  const { node } = clusterNodeOf(load(stateDir), id);
  await healAddress(stateDir, node.address);
}

/**
 * Runs nodetool against one Cassandra node (`repair -full chatlab messages`, `flush`,
 * `disablehandoff`), with the jars the node runs from and over its JMX port; resolves with stdout.
 */
export async function nodetool(stateDir: string, id: string, args: readonly string[], timeoutMs?: number): Promise<string> {
  const { store, node, proc } = clusterNodeOf(load(stateDir), id);
  if (store !== 'cassandra' || node.jmxPort === undefined) throw new ChatlabError(ErrorCodes.SCENARIO, `nodetool: ${id} is not a Cassandra node with a JMX port`);
  const jarDir = jarDirOf(proc.spawn!.args);
  if (!jarDir) throw new ChatlabError(ErrorCodes.SCENARIO, `nodetool: ${id}'s command line names no class path (-cp)`);
  // the node's own directory: its logback.xml (warnings only) and room for nodetool's history file
  const dir = proc.spawn!.cwd;
  return runNodetool({ jarDir, jmxPort: node.jmxPort, args, ...(dir ? { logbackFile: `${dir}/logback.xml`, home: dir } : {}), ...(timeoutMs ? { timeoutMs } : {}) });
}

/** The node id (`kafka-2`) of the broker leading a partition of a topic right now. */
export async function kafkaLeader(stateDir: string, topic = 'chat.messages', partition = 0): Promise<string> {
  const state = load(stateDir);
  if (!state.nodes || !state.endpoints) throw new ChatlabError(ErrorCodes.SCENARIO, 'this fault needs the cluster topology (`chatlab up --topology cluster`)');
  const admin = new Kafka({ clientId: 'chatlab-leader', brokers: state.endpoints.kafka.brokers, logLevel: logLevel.NOTHING, retry: { retries: 2 } }).admin();
  await admin.connect();
  try {
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    const leader = meta.topics[0]?.partitions.find((p) => p.partitionId === partition)?.leader;
    const node = state.nodes.kafka.find((n) => n.brokerId === leader);
    if (!node) throw new ChatlabError(ErrorCodes.SCENARIO, `${topic}[${partition}] has no leader among the brokers (leader ${leader})`);
    return node.id;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

import { fig, type Calibration } from './calibration.js';
import { demandOf, type Demand } from './demand.js';
import type { Workload } from './workload.js';

/** Assumptions the calibration cannot measure on one machine (docs/sizing.md names each). */
export const ASSUMPTIONS = {
  /** JSON envelope of a pushed frame besides the body: type, ids, conversation, timestamps. */
  frameOverheadBytes: 120,
  /** A Redis Pub/Sub message besides the body: channel name, RESP framing, routing fields. */
  redisOverheadBytes: 160,
  /** A Kafka record besides the body: key, headers, batch framing. */
  kafkaOverheadBytes: 100,
  /** Free disk a Cassandra node keeps for compaction (size-tiered needs up to 2×; leveled ~1.1×). */
  cassandraCompactionHeadroom: 1.5,
  /** Copies of each search shard (a primary and a replica). */
  searchCopies: 2,
  /** RSS of a Node service before any connection or message. */
  processBaseGiB: 0.12,
  /** Replicas a read at LOCAL_QUORUM touches: ⌊RF/2⌋ + 1. */
  quorum: (rf: number) => Math.floor(rf / 2) + 1,
} as const;

export interface Component {
  name: string;
  /** Processes (gateways, workers, Redis nodes) or nodes (Kafka, Cassandra, search). */
  count: number;
  cores: number;
  memoryGiB: number;
  diskGiB?: number;
  /** What set the count: cpu, memory, connections, disk, replication factor, or a hard limit. */
  bound: string;
  /** Machines of `nodeCores` cores and `nodeMemoryGiB` they occupy. */
  machines: number;
  /** Busy cores needed at the peak (before headroom). */
  busyCores: number;
  /** One line on the arithmetic behind the count. */
  detail: string;
  /** Set when the design cannot serve the workload this way at any count. */
  limit?: string;
}

export interface NetworkTier {
  tier: string;
  gbitPerSec: number;
}

export interface BillOfMaterials {
  components: Component[];
  /** The component that needs the most machines, or one past a hard limit. */
  binding: string;
  bindingWhy: string;
  network: NetworkTier[];
  demand: Demand;
  totals: { machines: number; cores: number; memoryGiB: number; diskGiB: number };
  notes: string[];
}

const GiB = 2 ** 30;
const cores = (usPerSec: number) => usPerSec / 1e6;
const gbit = (bytesPerSec: number) => (bytesPerSec * 8) / 1e9;

/** Gateway CPU split into a per-frame write cost and a per-Redis-message cost, from the two routing figures. */
export function gatewayCosts(c: Calibration): { perFrame: number; perRedisMessage: number } {
  const inbox = fig(c, 'gatewayUsPerFrameInbox');
  const group = fig(c, 'gatewayUsPerFrameGroup');
  const k = fig(c, 'groupFramesPerGatewayMessage');
  // inbox: a Redis message per frame (w + r); group: one per k frames (w + r/k)
  const perRedisMessage = k > 1 ? Math.max(0, (inbox - group) / (1 - 1 / k)) : 0;
  return { perFrame: Math.max(0, inbox - perRedisMessage), perRedisMessage };
}

/**
 * Memory per held connection: the figure measured at 10,000 idle connections (what a socket
 * costs); the active figure, measured on a few hundred busy clients, is mostly the heap the
 * traffic grew and is used only when the idle one is missing.
 */
function connectionBytes(c: Calibration): number {
  return fig(c, 'gatewayBytesPerIdleConnection') || fig(c, 'gatewayBytesPerActiveConnection');
}

/** Single-threaded processes: how many fit a machine by cores and memory. */
function machinesFor(n: number, memPerProcGiB: number, w: Workload): number {
  const perMachine = Math.max(1, Math.min(w.nodeCores, Math.floor(w.nodeMemoryGiB / Math.max(memPerProcGiB, 1e-9))));
  return Math.ceil(n / perMachine);
}

function processes(name: string, busy: number, w: Workload, memPerProcGiB: number, detail: string): Component {
  const count = busy > 0 ? Math.ceil(busy / w.targetUtilization) : 0;
  return { name, count, cores: count, memoryGiB: count * memPerProcGiB, bound: 'cpu', machines: machinesFor(count, memPerProcGiB, w), busyCores: busy, detail };
}

/** JVM nodes: the most of CPU, disk and the replication factor. */
function nodes(name: string, busy: number, diskGiB: number, diskPerNode: number, min: number, w: Workload, detail: string): Component {
  const byCpu = Math.ceil(busy / (w.nodeCores * w.targetUtilization));
  const byDisk = Math.ceil(diskGiB / diskPerNode);
  const count = Math.max(byCpu, byDisk, min);
  const bound = count === byCpu && byCpu >= byDisk ? 'cpu' : count === byDisk ? 'disk' : 'replication factor';
  return { name, count, cores: count * w.nodeCores, memoryGiB: count * w.nodeMemoryGiB, diskGiB, bound, machines: count, busyCores: busy, detail };
}

function billAt(w: Workload, c: Calibration, gateways: number) {
  const d = demandOf(w, gateways);
  const gw = gatewayCosts(c);
  const inline = w.presence === 'inline';
  const gatewayBusy = cores(
    gw.perFrame * (d.framesPerSec + d.presenceNotificationsPerSec) +
      gw.perRedisMessage * d.redisDeliveriesPerSec +
      fig(c, 'gatewayUsPerSend') * d.messagesPerSec +
      fig(c, 'gatewayUsPerClientSecond') * d.online +
      fig(c, 'gatewayUsPerHandshake') * d.handshakesPerSec +
      fig(c, 'gatewayUsPerHistoryPage') * d.historyPagesPerSec +
      (w.search === 'cloud' ? fig(c, 'gatewayUsPerSearch') * d.searchesPerSec : 0) +
      (inline ? fig(c, 'gatewayUsPerPresenceInline') * d.presenceNotificationsPerSec : 0),
  );
  const connBytes = connectionBytes(c);
  const byCpu = Math.ceil(gatewayBusy / w.targetUtilization);
  const perProcess = connBytes > 0 ? Math.floor(((w.gatewayMemoryGiB - ASSUMPTIONS.processBaseGiB) * GiB) / connBytes) : Infinity;
  const byConns = Math.ceil(d.online / perProcess);
  return { d, gw, gatewayBusy, byCpu, byConns, perProcess };
}

/** The bill of materials for a workload: each component's count, cores, memory and disk at the peak hour. */
export function billOfMaterials(w: Workload, c: Calibration): BillOfMaterials {
  // the gateway count changes how many gateways a group message reaches, which changes their CPU: iterate to a fixed point
  let g = 1;
  let at = billAt(w, c, g);
  for (let i = 0; i < 20; i++) {
    const next = Math.max(1, at.byCpu, at.byConns);
    if (next === g) break;
    g = next;
    at = billAt(w, c, g);
  }
  const { d, gatewayBusy, byCpu, byConns, perProcess } = at;
  const gatewayCount = Math.max(1, byCpu, byConns);
  const connGiB = (d.online * connectionBytes(c)) / GiB;
  const gatewayMem = gatewayCount * ASSUMPTIONS.processBaseGiB + connGiB;
  const out: Component[] = [];
  out.push({
    name: 'gateways',
    count: gatewayCount,
    cores: gatewayCount,
    memoryGiB: gatewayMem,
    bound: byConns > byCpu ? 'connections (memory)' : 'cpu',
    machines: machinesFor(gatewayCount, gatewayMem / gatewayCount, w),
    busyCores: gatewayBusy,
    detail: `${fmt(d.framesPerSec)} frames/s + ${fmt(d.presenceNotificationsPerSec)} presence frames/s, ${fmt(d.online)} connections (${fmt(perProcess)} per process in ${w.gatewayMemoryGiB} GiB)`,
  });
  if (w.presence === 'decoupled') {
    out.push(processes('presence', cores(fig(c, 'presenceUsPerNotification') * d.presenceNotificationsPerSec + fig(c, 'presenceUsPerClientSecond') * d.online), w, ASSUMPTIONS.processBaseGiB, `${fmt(d.presenceNotificationsPerSec)} friends told/s`));
  }
  out.push(processes('persist workers', cores(fig(c, 'persistUsPerMessage') * d.messagesPerSec), w, ASSUMPTIONS.processBaseGiB, `${fmt(d.messagesPerSec)} messages/s`));
  const dbWritesPerReceipt = w.receipts === 'write-through' ? 1 : fig(c, 'dbWritesPerReadWriteBack');
  out.push(processes('receipts workers', cores(fig(c, 'receiptsUsPerRead') * d.receiptsPerSec), w, ASSUMPTIONS.processBaseGiB, `${fmt(d.receiptsPerSec)} reads/s, ${dbWritesPerReceipt.toPrecision(2)} database writes each (${w.receipts})`));
  if (w.search === 'cloud') out.push(processes('search indexers', cores(fig(c, 'indexerUsPerMessage') * d.messagesPerSec), w, ASSUMPTIONS.processBaseGiB, `${fmt(d.messagesPerSec)} messages/s`));
  out.push(redis(w, c, d));

  const kafkaBusy = cores(fig(c, 'kafkaUsPerMessage') * d.messagesPerSec * w.rf);
  const kafkaPerDayGiB = (d.messagesPerDay * fig(c, 'kafkaBytesPerMessage') * w.rf) / GiB;
  const kafka = nodes('Kafka brokers', kafkaBusy, kafkaPerDayGiB * w.kafkaRetentionDays, w.kafkaDiskPerBrokerGiB, w.rf, w, `${fmt(d.messagesPerSec)} messages/s × RF ${w.rf}; ${fmtGiB(kafkaPerDayGiB)}/day kept ${w.kafkaRetentionDays} days`);
  const consumers = Math.max(1, ...out.filter((x) => x.name === 'persist workers' || x.name === 'search indexers').map((x) => x.count));
  const partitions = Math.ceil(Math.max(consumers, kafka.count) / kafka.count) * kafka.count;
  kafka.detail += `; ${partitions} partitions (one per consumer process, a multiple of the brokers)`;
  out.push(kafka);

  const dbWritesPerSec = d.messagesPerSec + d.receiptsPerSec * dbWritesPerReceipt;
  const cassBusy = cores(fig(c, 'cassandraUsPerWrite') * dbWritesPerSec * w.rf + fig(c, 'cassandraUsPerHistoryPage') * d.historyPagesPerSec * ASSUMPTIONS.quorum(w.rf));
  const cassDisk = (d.messagesPerDay * fig(c, 'cassandraBytesPerMessage') * w.rf * w.retentionDays * ASSUMPTIONS.cassandraCompactionHeadroom) / GiB;
  out.push(nodes('Cassandra nodes', cassBusy, cassDisk, w.cassandraDiskPerNodeGiB, w.rf, w, `${fmt(dbWritesPerSec)} writes/s × RF ${w.rf}, ${fmt(d.historyPagesPerSec)} history pages/s at quorum; ${w.retentionDays} days kept`));

  if (w.search === 'cloud') {
    const busy = cores(fig(c, 'searchUsPerMessage') * d.messagesPerSec + fig(c, 'searchUsPerQuery') * d.searchesPerSec);
    const disk = (d.messagesPerDay * fig(c, 'searchBytesPerMessage') * ASSUMPTIONS.searchCopies * w.retentionDays) / GiB;
    out.push(nodes('search nodes', busy, disk, w.searchDiskPerNodeGiB, ASSUMPTIONS.searchCopies, w, `${fmt(d.messagesPerSec)} messages/s indexed, ${fmt(d.searchesPerSec)} queries/s; ${ASSUMPTIONS.searchCopies} copies`));
  }

  const body = w.bodyBytes;
  const network: NetworkTier[] = [
    { tier: 'clients ↔ gateways', gbitPerSec: gbit((d.framesPerSec + d.messagesPerSec * 2 + d.presenceNotificationsPerSec) * (body + ASSUMPTIONS.frameOverheadBytes)) },
    { tier: 'gateways ↔ Redis', gbitPerSec: gbit((d.redisPublishesPerSec + d.redisDeliveriesPerSec) * (body + ASSUMPTIONS.redisOverheadBytes)) },
    { tier: 'gateways → Kafka (with replication)', gbitPerSec: gbit(d.messagesPerSec * (body + ASSUMPTIONS.kafkaOverheadBytes) * w.rf) },
    { tier: 'Kafka → workers → Cassandra (with replication)', gbitPerSec: gbit(dbWritesPerSec * (body + ASSUMPTIONS.kafkaOverheadBytes) * (w.rf + 1)) },
  ];

  const limited = out.find((x) => x.limit);
  const biggest = [...out].sort((a, b) => b.machines - a.machines || b.cores - a.cores)[0]!;
  const binding = limited ?? biggest;
  const sum = (k: 'machines' | 'cores' | 'memoryGiB') => out.reduce((s, x) => s + x[k], 0);
  return {
    components: out,
    binding: binding.name,
    bindingWhy: limited ? limited.limit! : `${binding.name} need the most machines (${binding.machines}), bound by ${binding.bound}`,
    network,
    demand: d,
    totals: { machines: sum('machines'), cores: sum('cores'), memoryGiB: sum('memoryGiB'), diskGiB: out.reduce((s, x) => s + (x.diskGiB ?? 0), 0) },
    notes: [
      w.pubsub === 'sharded'
        ? 'Redis: sharded Pub/Sub assumed (SPUBLISH: a channel lives on one shard, so publishes spread over the nodes)'
        : 'Redis: classic Pub/Sub assumed (a cluster broadcasts every PUBLISH to every node, so each node pays for every publish)',
      'one gateway process per core (Node runs JavaScript on one thread); JVM nodes use every core of their machine',
    ],
  };
}

function redis(w: Workload, c: Calibration, d: Demand): Component {
  const publishBusy = cores(fig(c, 'redisUsPerPublish') * d.redisPublishesPerSec);
  // what connected clients cost by the second (presence keys) and each send's stream append land on the nodes like deliveries do
  const deliveryBusy = cores(fig(c, 'redisUsPerDelivery') * d.redisDeliveriesPerSec + fig(c, 'redisUsPerSend') * d.messagesPerSec + fig(c, 'redisUsPerClientSecond') * d.online);
  const memGiB = (d.online * fig(c, 'redisBytesPerSubscription')) / GiB;
  const byMem = Math.ceil(memGiB / (w.nodeMemoryGiB * 0.5));
  const detail = `${fmt(d.redisPublishesPerSec)} publishes/s, ${fmt(d.redisDeliveriesPerSec)} deliveries/s; a node busy at most ${Math.round(w.redisBusyCap * 100)}% of its one thread`;
  const make = (count: number, bound: string, limit?: string): Component => ({
    name: 'Redis nodes',
    count,
    cores: count,
    memoryGiB: Math.max(memGiB, count * 0.05),
    bound,
    machines: machinesFor(count, Math.max(memGiB / Math.max(count, 1), 0.5), w),
    busyCores: publishBusy + deliveryBusy,
    detail,
    ...(limit ? { limit } : {}),
  });
  if (w.pubsub === 'sharded') {
    const byCpu = Math.ceil((publishBusy + deliveryBusy) / w.redisBusyCap);
    return make(Math.max(1, byCpu, byMem), byMem > byCpu ? 'memory' : 'cpu');
  }
  // classic: every node receives every publish from the cluster bus
  if (publishBusy >= w.redisBusyCap) {
    return make(
      Math.max(1, Math.ceil(deliveryBusy / w.redisBusyCap), byMem),
      'classic Pub/Sub broadcast',
      `classic Pub/Sub: every node would be ${Math.round((publishBusy / w.redisBusyCap) * 100)}% of its cap busy with the cluster's publishes alone, at any node count (use sharded Pub/Sub)`,
    );
  }
  const byCpu = Math.ceil(deliveryBusy / (w.redisBusyCap - publishBusy));
  return make(Math.max(1, byCpu, byMem), 'cpu (classic Pub/Sub broadcast)');
}

export function fmt(n: number): string {
  if (!Number.isFinite(n)) return '∞';
  if (n >= 1e9) return `${(n / 1e9).toPrecision(3)}G`;
  if (n >= 1e6) return `${(n / 1e6).toPrecision(3)}M`;
  if (n >= 1e4) return `${(n / 1e3).toPrecision(3)}k`;
  return String(Math.round(n));
}

export function fmtGiB(g: number): string {
  if (g >= 1024 * 1024) return `${(g / 1024 / 1024).toPrecision(3)} PiB`;
  if (g >= 1024) return `${(g / 1024).toPrecision(3)} TiB`;
  return `${g.toPrecision(3)} GiB`;
}

import { fig, kindFig, type Calibration } from './calibration.js';
import { gatewaysReached } from './demand.js';
import { gatewayCosts } from './bom.js';
import { uslThroughput } from './usl.js';

/** Work a run did, counted by the services' own counters (and the load's connections). */
export interface RunWork {
  routing: 'inbox' | 'group' | 'hybrid';
  groupThreshold: number;
  /** Members per conversation of the run's messages (for hybrid routing and gateways reached). */
  groupSize: number;
  gateways: number;
  sent: number;
  delivered: number;
  persisted: number;
  indexed: number;
  presence: number;
  reads: number;
  /** First connects of clients. */
  handshakes: number;
  presenceMode: 'inline' | 'decoupled';
  /** Connections held × seconds over the run. */
  clientSeconds: number;
  /** Wall time of the run (s): every process burns its baseline over it. */
  wallSec?: number;
  /** Processes running of each kind; absent: `gateways` gateways and one of every other kind. */
  processes?: Record<string, number>;
  /** Conversations the run created, and their members. */
  conversations?: number;
  members?: number;
  /** Drops and reconnects of clients, and the conversations they synced after them. */
  flaps?: number;
  syncs?: number;
}

/** The per-process CPU a validation compares, and the process kinds each sums. */
export const CPU_GROUPS: Record<string, readonly string[]> = {
  gateways: ['gateway'],
  redis: ['redis'],
  'kafka + persist + cassandra': ['kafka', 'persist-worker', 'cassandra'],
  'indexer + search': ['indexer', 'search'],
  presence: ['presence'],
};

/** A prediction's parts (µs), by what they multiply. */
export type Terms = Record<string, number>;

/**
 * Predicted CPU (µs, all of it: baseline included) per process group for the work counted,
 * term by term: each kind's baseline over the wall time, the set-up of the run's
 * conversations, first connects, reconnects (with their syncs), and the unit costs times the
 * counted work.
 */
export function predictCpuTerms(c: Calibration, w: RunWork): Record<string, Terms> {
  const inbox = w.routing === 'inbox' || (w.routing === 'hybrid' && w.groupSize <= w.groupThreshold);
  const gw = gatewayCosts(c);
  // Redis messages into the gateways: one per frame with inbox routing, one per gateway reached per message with the group channel
  const redisIn = inbox ? w.delivered : w.sent * gatewaysReached(w.groupSize, w.gateways);
  const publishes = (inbox ? w.sent * w.groupSize : w.sent) + w.presence;
  const work: Record<string, Terms> = {
    gateways: {
      frames: gw.perFrame * (w.delivered + w.presence),
      'Redis messages in': gw.perRedisMessage * (redisIn + w.presence),
      sends: fig(c, 'gatewayUsPerSend') * w.sent,
      'held clients': fig(c, 'gatewayUsPerClientSecond') * w.clientSeconds,
      ...(w.presenceMode === 'inline' ? { 'inline presence': fig(c, 'gatewayUsPerPresenceInline') * w.presence } : {}),
    },
    redis: { sends: fig(c, 'redisUsPerSend') * w.sent, publishes: fig(c, 'redisUsPerPublish') * publishes, deliveries: fig(c, 'redisUsPerDelivery') * (redisIn + w.presence), 'held clients': fig(c, 'redisUsPerClientSecond') * w.clientSeconds },
    'kafka + persist + cassandra': { messages: (fig(c, 'kafkaUsPerMessage') + fig(c, 'persistUsPerMessage') + fig(c, 'cassandraUsPerWrite')) * w.persisted },
    'indexer + search': { messages: (fig(c, 'indexerUsPerMessage') + fig(c, 'searchUsPerMessage')) * w.indexed },
    ...(w.presenceMode === 'decoupled' ? { presence: { notifications: fig(c, 'presenceUsPerNotification') * w.presence, 'held clients': fig(c, 'presenceUsPerClientSecond') * w.clientSeconds } } : {}),
  };
  const count = (kind: string) => w.processes?.[kind] ?? (kind === 'gateway' ? w.gateways : 1);
  // the gateways' connect cost has its own figure (an older calibration has no per-kind ones)
  const perConnect = (kind: string) => (kind === 'gateway' ? fig(c, 'gatewayUsPerHandshake') : kindFig(c, 'perHandshakeUs', kind));
  const sum = (kinds: readonly string[], f: (k: string) => number) => kinds.reduce((s, k) => s + f(k), 0);
  for (const [group, terms] of Object.entries(work)) {
    const kinds = CPU_GROUPS[group] ?? [];
    terms['baseline'] = sum(kinds, (k) => kindFig(c, 'baselineUsPerSec', k) * count(k)) * (w.wallSec ?? 0);
    terms['set-up'] = sum(kinds, (k) => kindFig(c, 'perConversationUs', k) * (w.conversations ?? 0) + kindFig(c, 'perMemberUs', k) * (w.members ?? 0));
    terms['connects'] = sum(kinds, perConnect) * w.handshakes;
    terms['reconnects'] = sum(kinds, (k) => kindFig(c, 'perFlapUs', k)) * (w.flaps ?? 0) + sum(kinds, (k) => kindFig(c, 'perSyncUs', k)) * (w.syncs ?? 0);
  }
  return work;
}

/** Predicted CPU (µs) per process group: the sum of its terms. */
export function predictCpu(c: Calibration, w: RunWork): Record<string, number> {
  return Object.fromEntries(Object.entries(predictCpuTerms(c, w)).map(([g, t]) => [g, Object.values(t).reduce((s, v) => s + v, 0)]));
}

/**
 * The frames/s knee of `gateways` processes on the calibrated machine for groups of `groupSize`:
 * the calibrated USL curve at that count, scaled by the per-frame cost of the whole stack at the
 * calibration's group size against this one (smaller groups pay more per-message work per frame).
 */
export function predictKnee(c: Calibration, gateways: number, groupSize: number, calibratedGroupSize = 10): number {
  if (c.usl.lambda <= 0) return 0;
  const perMessage = fig(c, 'gatewayUsPerSend') + fig(c, 'kafkaUsPerMessage') + fig(c, 'persistUsPerMessage') + fig(c, 'cassandraUsPerWrite') + fig(c, 'indexerUsPerMessage') + fig(c, 'searchUsPerMessage');
  const perFrame = fig(c, 'gatewayUsPerFrameGroup') + fig(c, 'redisUsPerDelivery');
  const costAt = (g: number) => perFrame + perMessage / (g - 1);
  const n = Math.min(gateways, Math.max(...c.usl.points.map((p) => p.n), 1));
  return uslThroughput(c.usl, n) * (costAt(calibratedGroupSize) / costAt(groupSize));
}

export interface Check {
  what: string;
  predicted: number;
  measured: number;
  /** (predicted − measured) / measured */
  error: number;
}

/** A check whose measured value is 0 has no error to speak of: NaN, reported as a miss (nothing was verified). */
export const checkOf = (what: string, predicted: number, measured: number): Check => ({ what, predicted, measured, error: measured !== 0 ? (predicted - measured) / measured : NaN });

/**
 * Why a check came out as it did, in one line: the prediction's terms largest first with
 * their shares, and for a miss the gap as a multiple of the largest term (what would have to
 * be that far off to explain it), and the baseline measured just before the run when given.
 */
export function explainCheck(x: Check, terms: Terms, baselineNowUs?: number, limit = 0.25): string {
  const total = Object.values(terms).reduce((s, v) => s + v, 0);
  const parts = Object.entries(terms).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
  const shares = parts.slice(0, 3).map(([k, v]) => `${k} ${Math.round((v / total) * 100)}%`).join(', ') || 'no term (nothing counted)';
  const out = [`${shares} of the prediction`];
  const [top] = parts;
  const gapUs = (x.measured - x.predicted) * 1e6;
  if (top && !(Math.abs(x.error) <= limit)) out.push(`the gap (${gapUs >= 0 ? '+' : ''}${(gapUs / 1e6).toPrecision(2)} s) is ${(gapUs / top[1]).toFixed(1)}× the ${top[0]} term`);
  if (baselineNowUs !== undefined && terms['baseline'] !== undefined) out.push(`baseline measured before the run ${(baselineNowUs / 1e6).toPrecision(2)} s vs ${(terms['baseline'] / 1e6).toPrecision(2)} s calibrated`);
  return out.join('; ');
}

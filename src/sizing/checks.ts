import { fig, type Calibration } from './calibration.js';
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
  handshakes: number;
  presenceMode: 'inline' | 'decoupled';
  /** Connections held × seconds over the run. */
  clientSeconds: number;
}

/** Predicted CPU (µs above idle) per process group for the work counted. */
export function predictCpu(c: Calibration, w: RunWork): Record<string, number> {
  const inbox = w.routing === 'inbox' || (w.routing === 'hybrid' && w.groupSize <= w.groupThreshold);
  const gw = gatewayCosts(c);
  // Redis messages into the gateways: one per frame with inbox routing, one per gateway reached per message with the group channel
  const redisIn = inbox ? w.delivered : w.sent * gatewaysReached(w.groupSize, w.gateways);
  const publishes = (inbox ? w.sent * w.groupSize : w.sent) + w.presence;
  return {
    gateways:
      gw.perFrame * (w.delivered + w.presence) +
      gw.perRedisMessage * (redisIn + w.presence) +
      fig(c, 'gatewayUsPerSend') * w.sent +
      fig(c, 'gatewayUsPerHandshake') * w.handshakes +
      fig(c, 'gatewayUsPerClientSecond') * w.clientSeconds +
      (w.presenceMode === 'inline' ? fig(c, 'gatewayUsPerPresenceInline') * w.presence : 0),
    redis: fig(c, 'redisUsPerPublish') * publishes + fig(c, 'redisUsPerDelivery') * (redisIn + w.presence) + fig(c, 'redisUsPerClientSecond') * w.clientSeconds,
    'kafka + persist + cassandra': (fig(c, 'kafkaUsPerMessage') + fig(c, 'persistUsPerMessage') + fig(c, 'cassandraUsPerWrite')) * w.persisted,
    'indexer + search': (fig(c, 'indexerUsPerMessage') + fig(c, 'searchUsPerMessage')) * w.indexed,
    ...(w.presenceMode === 'decoupled' ? { presence: fig(c, 'presenceUsPerNotification') * w.presence + fig(c, 'presenceUsPerClientSecond') * w.clientSeconds } : {}),
  };
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

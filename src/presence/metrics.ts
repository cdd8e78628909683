import { MetricNames, counter, histogram, type Counter, type Histogram, type Registry } from '../core/index.js';

/**
 * Presence metrics live in the one process that does the work: the presence server, or in
 * `presence=inline` the gateways for what they handle (connect, heartbeat, disconnect) while
 * the presence server still counts its sweep and any offline it takes over.
 */
export interface PresenceMetrics {
  events: Counter;
  writes: Counter;
  notifications: Counter;
  fanout: Histogram;
  flaps: Counter;
}

export function createPresenceMetrics(registry: Registry): PresenceMetrics {
  return {
    events: counter(registry, MetricNames.presenceEvents, 'presence events handled (connect, disconnect, heartbeat, sweep)', ['kind']),
    writes: counter(registry, MetricNames.presenceRedisWrites, 'presence script calls that changed Redis state (lazy: most heartbeats change nothing)'),
    notifications: counter(registry, MetricNames.presenceNotifications, 'presence frames published to online friends'),
    fanout: histogram(registry, MetricNames.presenceFanout, 'status change announceable (online: the event; offline: end of the flap window) to frames published'),
    flaps: counter(registry, 'chatlab_presence_flaps_suppressed_total', 'offline+online pairs within the flap window, announced to nobody'),
  };
}

import type { Workload } from './workload.js';

export const SECONDS_PER_DAY = 86_400;

/** A per-user-per-day figure as a rate over all users at the peak hour (per second). */
export function peakPerSec(w: Pick<Workload, 'users' | 'peakFactor'>, perUserPerDay: number): number {
  return ((w.users * perUserPerDay) / SECONDS_PER_DAY) * w.peakFactor;
}

/** Whether messages of a conversation of this size go member by member (inbox) or once per gateway (group channel). */
export function usesInbox(w: Pick<Workload, 'routing' | 'groupThreshold'>, size: number): boolean {
  return w.routing === 'inbox' || (w.routing === 'hybrid' && size <= w.groupThreshold);
}

/** Expected distinct gateways holding k online members spread evenly over g gateways. */
export function gatewaysReached(k: number, g: number): number {
  if (g <= 1) return Math.min(1, k);
  return g * (1 - Math.pow(1 - 1 / g, k));
}

/** The peak-hour rates of everything the design does, per second, given G gateway processes. */
export interface Demand {
  online: number;
  messagesPerSec: number;
  messagesPerDay: number;
  /** WebSocket frames pushed to online members (not the sender's ack). */
  framesPerSec: number;
  /** Of those, frames of conversations routed member by member. */
  inboxFramesPerSec: number;
  redisPublishesPerSec: number;
  /** Messages Redis writes to subscribed gateways. */
  redisDeliveriesPerSec: number;
  handshakesPerSec: number;
  statusChangesPerSec: number;
  /** Friends online told of a status change. */
  presenceNotificationsPerSec: number;
  /** Read receipts: each frame read by its recipient. */
  receiptsPerSec: number;
  historyPagesPerSec: number;
  searchesPerSec: number;
}

export function demandOf(w: Workload, gateways: number): Demand {
  const messagesPerSec = peakPerSec(w, w.messagesPerUserPerDay);
  let framesPerSec = 0;
  let inboxFramesPerSec = 0;
  let publishes = 0;
  let deliveries = 0;
  for (const { size, share } of w.groupMix) {
    const m = messagesPerSec * share;
    const onlineRecipients = (size - 1) * w.onlineShare;
    framesPerSec += m * onlineRecipients;
    if (usesInbox(w, size)) {
      inboxFramesPerSec += m * onlineRecipients;
      // one PUBLISH per member's inbox channel; Redis writes it to the gateway of each online one
      publishes += m * size;
      deliveries += m * size * w.onlineShare;
    } else {
      // one PUBLISH to the group channel; written to every gateway holding an online member
      publishes += m;
      deliveries += m * gatewaysReached(size * w.onlineShare, gateways);
    }
  }
  const statusChangesPerSec = peakPerSec(w, w.statusChangesPerUserPerDay);
  const presenceNotificationsPerSec = statusChangesPerSec * w.friendsPerUser * w.onlineShare;
  // each notification is one PUBLISH to a friend's inbox channel, written to that friend's gateway
  publishes += presenceNotificationsPerSec;
  deliveries += presenceNotificationsPerSec;
  return {
    online: w.users * w.onlineShare,
    messagesPerSec,
    messagesPerDay: w.users * w.messagesPerUserPerDay,
    framesPerSec,
    inboxFramesPerSec,
    redisPublishesPerSec: publishes,
    redisDeliveriesPerSec: deliveries,
    handshakesPerSec: peakPerSec(w, w.connectsPerUserPerDay),
    statusChangesPerSec,
    presenceNotificationsPerSec,
    receiptsPerSec: framesPerSec,
    historyPagesPerSec: peakPerSec(w, w.readsPerUserPerDay),
    searchesPerSec: peakPerSec(w, w.searchesPerUserPerDay),
  };
}

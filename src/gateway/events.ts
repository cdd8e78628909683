/**
 * What a gateway does with presence events and `read` frames, in the variants a scenario can
 * compare (gateway options `presence` and `receipts`):
 * - presence=decoupled: append each event to the `presence:events` stream and nothing more;
 *   the presence server owns the state and the fan-out.
 * - presence=inline: run the presence scripts and the friend fan-out right here, in the
 *   connect/disconnect handlers, on the same event loop and Redis connection as chat.
 * - receipts=write-back: raise the watermark in Redis and mark it dirty (the receipts worker
 *   writes Cassandra in batches); write-through: also one Cassandra write per `read`.
 */
import type { Redis } from 'ioredis';
import { MetricNames, counter, errorMessage, systemClock, type Clock, type Registry } from '../core/index.js';
import {
  Announcer,
  FriendsCache,
  PRESENCE_STREAM_MAXLEN,
  PresenceEngine,
  createPresenceMetrics,
  encodePresenceEvent,
  type PresenceEvent,
  type PresenceEventKind,
} from '../presence/index.js';
import { PresenceScripts, ReceiptScripts, WatermarkStore, type CassandraClient, type RedisKeys } from '../store/index.js';
import type { CachedConversations, GatewayEvents } from './context.js';
import type { GatewayOptions } from './options.js';

export interface GatewayEventDeps {
  options: GatewayOptions;
  redis: Redis;
  keys: RedisKeys;
  conversations: CachedConversations;
  cassandra: CassandraClient;
  keyspace: string;
  registry: Registry;
  clock?: Clock;
  log?: (line: string) => void;
}

export interface GatewayEventSink extends GatewayEvents {
  /** Reports the sockets still open as disconnected, then waits for every event in flight. */
  close(): Promise<void>;
}

type Emit = (e: PresenceEvent) => Promise<void>;

export function createGatewayEvents(deps: GatewayEventDeps): GatewayEventSink {
  const { options, redis, keys, registry } = deps;
  const clock = deps.clock ?? systemClock;
  const log = deps.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const failures = counter(registry, 'chatlab_gateway_event_failures_total', 'presence events or reads that could not be handed on, by what', ['what']);
  const open = new Map<string, string>();
  const inFlight = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>, what: string) => {
    const tracked = p.catch((err: unknown) => {
      failures.inc({ what });
      log(`${what}: ${errorMessage(err)}`);
    });
    inFlight.add(tracked);
    void tracked.finally(() => inFlight.delete(tracked));
  };

  const presence = options.presence === 'inline' ? inlinePresence(deps, clock, track) : decoupledPresence(redis, keys, registry);
  const event = (kind: PresenceEventKind, userId: string, socketId: string) => track(presence.emit({ kind, userId, socketId, at: clock.now() }), `presence ${kind}`);

  const receipts = new ReceiptScripts(redis, keys);
  const updates = counter(registry, MetricNames.receiptUpdates, 'read frames accepted (watermark offered to Redis)');
  const writeThrough = options.receipts === 'write-through';
  const store = writeThrough ? new WatermarkStore(deps.cassandra, deps.keyspace) : null;
  const dbWrites = writeThrough ? counter(registry, MetricNames.receiptDbWrites, 'watermark rows written to Cassandra (write-through: one per read)') : null;

  return {
    connected(userId, socketId) {
      open.set(socketId, userId);
      event('connect', userId, socketId);
    },
    disconnected(userId, socketId) {
      // After close() the socket was already reported.
      if (!open.delete(socketId)) return;
      event('disconnect', userId, socketId);
    },
    heartbeat(userId, socketId) {
      if (open.has(socketId)) event('heartbeat', userId, socketId);
    },
    async read(userId, conversationId, messageId) {
      // Redis in both variants: it keeps the max and feeds the receipt frames.
      await receipts.raise(conversationId, userId, messageId, !writeThrough);
      updates.inc();
      if (store) {
        await store.write({ conversationId, userId, messageId });
        dbWrites!.inc();
      }
    },
    async close() {
      for (const [socketId, userId] of [...open]) {
        open.delete(socketId);
        event('disconnect', userId, socketId);
      }
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      presence.close();
    },
  };
}

function decoupledPresence(redis: Redis, keys: RedisKeys, registry: Registry): { emit: Emit; close(): void } {
  const emitted = counter(registry, 'chatlab_presence_events_emitted_total', 'presence events appended to the stream (handled and counted by the presence server)', ['kind']);
  return {
    async emit(e) {
      await redis.xadd(keys.presenceEvents, 'MAXLEN', '~', PRESENCE_STREAM_MAXLEN, '*', ...encodePresenceEvent(e));
      emitted.inc({ kind: e.kind });
    },
    close() {},
  };
}

function inlinePresence(deps: GatewayEventDeps, clock: Clock, track: (p: Promise<unknown>, what: string) => void): { emit: Emit; close(): void } {
  const { options, redis, keys, conversations } = deps;
  const metrics = createPresenceMetrics(deps.registry);
  const scripts = new PresenceScripts(redis, keys, options.presenceRefreshMs);
  const friends = new FriendsCache({ conversationsOf: (u) => conversations.raw.conversationsOf(u), get: (id) => conversations.get(id) }, options.presenceFriendsCacheMs, clock);
  const engine = new PresenceEngine(scripts, new Announcer(redis, keys, scripts, friends, metrics, 500, clock), metrics);
  const timers = new Set<NodeJS.Timeout>();
  const window = options.presenceFlapWindowMs;
  return {
    async emit(e) {
      // The stored due is later than our own timer: the presence server announces it only if
      // this gateway could not (it died within the window).
      const offline = await engine.apply([e], (ev) => ev.at + window + options.presenceTakeoverMs);
      for (const o of offline) {
        const due = e.at + window;
        const timer = setTimeout(() => {
          timers.delete(timer);
          track(engine.claimAndAnnounce([{ userId: o.userId, due }]), 'presence offline');
        }, Math.max(0, due - clock.now()));
        timers.add(timer);
      }
    },
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}

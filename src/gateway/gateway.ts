import http from 'node:http';
import type { Duplex } from 'node:stream';
import { Redis } from 'ioredis';
import { WebSocketServer } from 'ws';
import { ChatlabError, CloseCodes, ConcurrencyLimit, ErrorCodes, counter, createOpsServer, errorMessage, gauge, listen, systemClock, verifyToken, type Clock, type ServiceConfig } from '../core/index.js';
import { FriendsCache } from '../presence/index.js';
import {
  ConversationStore,
  MessageStore,
  defineMemberChangeScript,
  defineDeleteScript,
  definePublishScript,
  leaseWorkerId,
  redisKeys,
  serviceCassandra,
  serviceRedis,
  usesGroupChannel,
} from '../store/index.js';
import { admitUser } from './admission.js';
import { tokenFromRequest } from './auth.js';
import { Connection, TokenBucket } from './connection.js';
import { CachedConversations, type GatewayContext, type GatewayEvents } from './context.js';
import { createGatewayEvents, type GatewayEventSink } from './events.js';
import { gatewayApi } from './http-api.js';
import { longPollApi } from './longpoll-api.js';
import { createGatewayMetrics } from './metrics.js';
import { MembershipRouting } from './membership-routing.js';
import { Minter } from './minting.js';
import { sendPresenceSnapshot } from './presence-snapshot.js';
import { parseGatewayOptions } from './options.js';
import { BatchingProducer } from './producer.js';
import { Router } from './router.js';
import { drainAndClose, reconnectDelayMs } from './shutdown.js';
import { upgradeProblem } from './upgrade-check.js';

/** History pages read from Cassandra at once per gateway, and how many may wait behind them. */
export const STORAGE_READS_MAX = 16;
export const STORAGE_READS_WAITING = 2000;

export interface RunningGateway {
  port: number;
  ctx: GatewayContext;
  /** Graceful: reconnect frames, drain, close 1012, flush Kafka. */
  shutdown(): Promise<void>;
}

/**
 * `events` replaces the presence/receipts handling (by default built from the options);
 * `random` spreads the reconnect delays it hands out (injected for tests).
 */
export async function startGateway(config: ServiceConfig, customEvents?: GatewayEvents, random: () => number = Math.random, clock: Clock = systemClock): Promise<RunningGateway> {
  const options = parseGatewayOptions(config.options);
  const keys = redisKeys(config.redisPrefix);
  const redis = serviceRedis(config, { maxRetriesPerRequest: 3, enableAutoPipelining: true });
  const sub = serviceRedis(config, { maxRetriesPerRequest: null });
  // The worker-id lease renews on its own connection: behind a backlog of sends on the shared
  // one, a renewal waited minutes (restart-cassandra at 500 clients) and the lease was lost.
  const leaseRedis = new Redis(config.redisUrl, { maxRetriesPerRequest: 3 });
  definePublishScript(redis);
  defineDeleteScript(redis);
  defineMemberChangeScript(redis);
  const cassandra = serviceCassandra(config, options.readConsistency);
  const metrics = createGatewayMetrics(config.name);
  const log = (line: string) => void process.stderr.write(`${new Date().toISOString()} [${config.name}] ${line}\n`);
  const producer = new BatchingProducer(
    config.kafkaBrokers,
    config.topics.messages,
    options.kafkaBatchMax,
    (n) => {
      metrics.produced.inc(n);
      metrics.produceRequests.inc();
    },
    config.name,
    { maxBatchBytes: options.kafkaBatchMaxBytes, maxQueued: options.kafkaQueueMax, lingerMs: options.kafkaLingerMs, acks: options.kafkaAcks },
  );
  const minter = await Minter.start({
    takeLease: (onLost) => leaseWorkerId(leaseRedis, { prefix: keys.workerPrefix, ttlMs: options.workerLeaseTtlMs, owner: `${config.name}:${process.pid}`, onLost }),
    clock,
    log,
  });
  await Promise.all([cassandra.connect(), producer.connect()]);

  // A gateway-wide bound on history pages read from Cassandra at once: a sync storm (every client
  // of a restarted Redis or gateway syncing each conversation) waits here in order, and beyond
  // the queue a sync is answered "unavailable, ask again" instead of piling onto Cassandra.
  const storageReads = new ConcurrencyLimit(STORAGE_READS_MAX, STORAGE_READS_WAITING, () => new ChatlabError(ErrorCodes.UNAVAILABLE, `more than ${STORAGE_READS_WAITING} history reads waiting for storage on this gateway: ask again`));
  const conversations = new CachedConversations(new ConversationStore(redis, cassandra, config.keyspace, keys, config.secret));
  const router = new Router(sub, keys, metrics);
  const sink: GatewayEventSink | undefined = customEvents
    ? undefined
    : createGatewayEvents({ options, redis, keys, conversations, cassandra, keyspace: config.keyspace, registry: metrics.registry, log });
  const events: GatewayEvents = customEvents ?? sink!;
  const ctx: GatewayContext = {
    gatewayId: config.name,
    options,
    redis,
    keys,
    conversations,
    messages: new MessageStore(cassandra, config.keyspace, { readLimit: storageReads, readConsistency: options.readConsistency }),
    producer,
    minter,
    router,
    metrics,
    inFlight: new Set(),
    redisLostAt: 0,
    events,
    clock,
  };
  gauge(metrics.registry, 'chatlab_gateway_storage_reads', `history pages read from Cassandra now (at most ${STORAGE_READS_MAX}), waiting for a turn, and the peak in flight`, ['state'], (g) => {
    g.set({ state: 'active' }, storageReads.active);
    g.set({ state: 'waiting' }, storageReads.waiting);
    g.set({ state: 'peak' }, storageReads.peak);
  });
  // the Snowflake clock guard's outcomes, read at scrape time
  gauge(metrics.registry, 'chatlab_snowflake_clock_backwards', "clock steps back seen by this gateway's id generator, by outcome", ['outcome'], (g) => {
    g.set({ outcome: 'waited' }, minter.stats.backwardsWaits);
    g.set({ outcome: 'refused' }, minter.stats.backwardsRefusals);
  });
  const appliedChanges = counter(metrics.registry, 'chatlab_member_changes_applied_total', 'member changes (one per user) this gateway applied to its routing and cache');
  new MembershipRouting({
    router,
    conversations,
    redis,
    keys,
    policy: options,
    resync: (socket) => (socket as Connection).close(CloseCodes.RESTARTING, 'routing changed: reconnect and sync', 'resync'),
    log,
    applied: (n) => appliedChanges.inc(n),
  });
  await sub.subscribe(keys.memberChanges);
  const friends = new FriendsCache({ conversationsOf: (u) => conversations.raw.conversationsOf(u), get: (id) => conversations.get(id) }, options.presenceFriendsCacheMs);

  let draining = false;
  // Pub/Sub has no memory: while the subscriber was disconnected, messages published to our
  // channels reached nobody here. Once it is back, every socket is sent away to reconnect and
  // sync, which is the one way its client learns of what it missed.
  let subscriberLost = false;
  // Every socket that lived through the gap (opened before it or during it) is detached at
  // once: a live message after the gap would otherwise move its cursor past one it missed.
  sub.on('close', () => {
    if (draining) return;
    subscriberLost = true;
    // from the moment it is seen: a socket may upgrade and sync before the subscriber is back
    ctx.redisLostAt = Date.now();
    for (const conn of router.sockets() as Connection[]) conn.detach();
  });
  sub.on('ready', () => {
    if (!subscriberLost || draining) return;
    subscriberLost = false;
    ctx.redisLostAt = Date.now();
    // member changes published while it was away were never applied here
    conversations.invalidateAll();
    const sockets = router.sockets() as Connection[];
    for (const conn of sockets) conn.detach();
    for (const conn of sockets) conn.sendFrame({ type: 'reconnect', afterMs: reconnectDelayMs(options.reconnectSpreadMs, random) });
    setTimeout(() => {
      for (const conn of sockets) conn.close(CloseCodes.RESTARTING, 'routing was interrupted: reconnect and sync', 'resync');
    }, 100);
  });
  const restApi = gatewayApi(ctx, config.secret, log, config.searchUrl);
  const longPoll = longPollApi({ ctx, secret: config.secret, draining: () => draining, admit, opened, log });
  const server = createOpsServer({
    registry: metrics.registry,
    // Kafka too (the contract's /healthz), and ids: no lease or a clock stepped back = cannot send.
    healthy: async () => !draining && redis.status === 'ready' && sub.status === 'ready' && producer.healthy() && minter.healthy,
    extra: async (req, res, url) => (await longPoll.handler(req, res, url)) || restApi(req, res, url),
    log,
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes });
  const admission = options.admitHandshakesPerSec > 0 ? new TokenBucket(options.admitHandshakesPerSec, options.admitHandshakesBurst) : null;
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    void acceptUpgrade(req, socket, head);
  });

  async function largeGroupsOf(userId: string): Promise<string[]> {
    const ids = await conversations.raw.conversationsOf(userId);
    const convs = await Promise.all(ids.map((id) => conversations.get(id)));
    return convs.filter((c) => c && usesGroupChannel(options, c.members.length)).map((c) => c!.conversationId);
  }

  /**
   * A new connection of the user, WebSocket or long poll: within the per-user cap, subscribed
   * before it opens (so it is routable once the client sees it). A refusal status, or null once
   * reserved (then `opened` or `router.release` follows).
   */
  function admit(userId: string): Promise<number | null> {
    return admitUser({ router, cap: options.maxConnectionsPerUser, largeGroupsOf, draining: () => draining, log }, userId);
  }

  /** The reserved connection is open: routed, announced; returns what undoes that once it ends. */
  function opened(conn: Connection): () => void {
    const { userId } = conn;
    router.add(conn);
    events.connected(userId, conn.id);
    sendPresenceSnapshot({ redis, keys, friends }, userId, (f) => conn.sendFrame(f)).catch((err: unknown) => log(`presence snapshot for ${userId}: ${errorMessage(err)}`));
    return () => {
      conn.closed = true;
      router.remove(conn);
      events.disconnected(userId, conn.id);
    };
  }

  async function acceptUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // node's server leaves an upgrading socket without an error listener: a client that resets
    // while we look up its groups (its handshake timed out) would crash the process otherwise
    socket.on('error', () => {});
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/v1/ws') return refuse(socket, 404, 'Not Found');
    if (draining) return refuse(socket, 503, 'Service Unavailable');
    // shed before anything is spent on the handshake, as a load balancer would
    if (admission && !admission.take()) return refuse(socket, 503, 'Service Unavailable', 'Retry-After: 1\r\n');
    const token = tokenFromRequest(req);
    const verified = token ? verifyToken(token, config.secret) : null;
    if (!verified?.ok) return refuse(socket, 401, 'Unauthorized');
    // before anything is reserved: ws drops a bad handshake without calling back
    if (upgradeProblem(req)) return refuse(socket, 400, 'Bad Request');
    const userId = verified.userId;
    const refused = await admit(userId);
    if (refused === 429) return refuse(socket, 429, 'Too Many Requests');
    if (refused !== null) return refuse(socket, 503, 'Service Unavailable');
    if (draining || socket.destroyed) {
      router.release(userId);
      return refuse(socket, 503, 'Service Unavailable');
    }
    // the last guard: whatever ends the handshake without a socket releases the reservation
    let isOpen = false;
    const releaseIfDropped = () => {
      if (!isOpen) router.release(userId);
    };
    socket.once('close', releaseIfDropped);
    wss.handleUpgrade(req, socket, head, (ws) => {
      isOpen = true;
      socket.off('close', releaseIfDropped);
      const conn = Connection.overWebSocket(ctx, ws, userId);
      const ended = opened(conn);
      metrics.connections.inc();
      ws.on('close', () => {
        ended();
        metrics.connections.dec();
      });
      ws.on('error', () => {});
    });
  }

  // One timer for every socket: ping, drop the ones that did not answer the last ping, close the idle.
  const liveness = setInterval(() => {
    const now = Date.now();
    for (const conn of router.sockets() as Connection[]) conn.checkLiveness(now);
    longPoll.sweep(now);
  }, options.pingIntervalMs);
  liveness.unref();

  function refuse(socket: Duplex, status: number, text: string, headers = ''): void {
    metrics.rejectedUpgrades.inc({ status: String(status) });
    if (!socket.destroyed) socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\n${headers}Content-Length: 0\r\n\r\n`);
  }

  const port = await listen(server, config.port, config.host);
  return {
    port,
    ctx,
    async shutdown() {
      draining = true;
      clearInterval(liveness);
      await drainAndClose({ server, ctx, sockets: () => router.sockets() as Connection[], random });
      // Sockets whose close has not completed yet are reported gone now, while Redis is up.
      await sink?.close().catch(() => {});
      await producer.disconnect().catch(() => {});
      await minter.stop();
      await cassandra.shutdown().catch(() => {});
      sub.disconnect();
      redis.disconnect();
      leaseRedis.disconnect();
    },
  };
}

/**
 * The presence server: the one owner of presence state. It consumes the events gateways
 * append to `presence:events` (a consumer group, so nothing is lost while it restarts),
 * applies them through the lazy Lua scripts, sweeps zombies after the TTL, and fans status
 * changes out to online friends. Nothing here runs on a gateway's chat path.
 */
import { ChatlabError, ErrorCodes, errorMessage, gauge, type ServiceConfig, type ServiceDeps } from '../core/index.js';
import { ConversationStore, PresenceScripts, serviceRedis, serviceStartup } from '../store/index.js';
import { Announcer } from './announcer.js';
import { decodePresenceEvent, type PresenceEvent } from './codec.js';
import { PresenceEngine } from './engine.js';
import { FriendsCache } from './friends.js';
import { createPresenceMetrics } from './metrics.js';
import { parsePresenceOptions } from './options.js';

export const PRESENCE_GROUP = 'presence';
/** How long one blocking read waits: also how long stop() may wait for the loop. */
const BLOCK_MS = 500;
/** The newest event read is this recent: the backlog is handled, the state is current. */
const CAUGHT_UP_MS = 500;

type StreamReply = Array<[stream: string, entries: Array<[id: string, fields: string[]]>]> | null;

export interface StartedPresenceServer {
  healthy(): boolean;
  stop(): Promise<void>;
}

export async function startPresenceServer(config: ServiceConfig, deps: ServiceDeps): Promise<StartedPresenceServer> {
  const options = parsePresenceOptions(config.options);
  const { clock, log, keys, redis, cassandra } = serviceStartup(config, deps);
  // Blocking reads get their own connection, so they never delay the state writes.
  const reader = serviceRedis(config, { maxRetriesPerRequest: null });
  const metrics = createPresenceMetrics(deps.registry);
  const onlineUsers = gauge(deps.registry, 'chatlab_presence_online_users', 'users with at least one live socket');
  const scripts = new PresenceScripts(redis, keys, options.refreshMs);
  const friends = new FriendsCache(new ConversationStore(redis, cassandra, config.keyspace, keys), options.friendsCacheMs, clock);
  const engine = new PresenceEngine(scripts, new Announcer(redis, keys, scripts, friends, metrics, options.fanoutBatch, clock), metrics);

  engine.onAnnounceFailed = (err, n) => log(`presence announce of ${n} changes failed, retried on the next tick: ${errorMessage(err)}`);
  let stopping = false;
  let caughtUp = false;
  let lastSweep = 0;
  let loopDone: Promise<void> = Promise.resolve();
  let ticking = false;
  let timer: NodeJS.Timeout | undefined;

  async function ensureGroup(): Promise<void> {
    try {
      // From 0, not $: events written before the first start (or while down) are handled.
      await redis.xgroup('CREATE', keys.presenceEvents, PRESENCE_GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!errorMessage(err).includes('BUSYGROUP')) throw err;
    }
  }

  async function handle(entries: Array<[string, string[]]>): Promise<void> {
    const events = entries.map(([, fields]) => decodePresenceEvent(fields)).filter((e): e is PresenceEvent => e !== null);
    // Decoupled: the offline falls due a flap window after the disconnect happened.
    await engine.apply(events, (e) => e.at + options.flapWindowMs);
    await redis.xack(keys.presenceEvents, PRESENCE_GROUP, ...entries.map(([id]) => id));
    const newest = events.at(-1)?.at ?? 0;
    caughtUp = entries.length < options.readBatch || clock.now() - newest < CAUGHT_UP_MS;
  }

  async function readLoop(): Promise<void> {
    // '0' re-reads what this consumer took but never acknowledged (a crash), then '>' new ones.
    let cursor = '0';
    while (!stopping) {
      try {
        const reply = (await reader.xreadgroup(
          'GROUP', PRESENCE_GROUP, config.name, 'COUNT', options.readBatch, 'BLOCK', BLOCK_MS, 'STREAMS', keys.presenceEvents, cursor,
        )) as StreamReply;
        const entries = reply?.[0]?.[1] ?? [];
        if (entries.length === 0) {
          if (cursor === '0') cursor = '>';
          else caughtUp = true;
          continue;
        }
        await handle(entries);
      } catch (err) {
        if (stopping) return;
        // A Redis that restarted empty lost the group with the stream: make them again.
        if (errorMessage(err).includes('NOGROUP')) await ensureGroup().catch(() => {});
        else log(`presence events: ${errorMessage(err)}`);
        await clock.sleep(BLOCK_MS);
      }
    }
  }

  /** Sweeps and due offlines wait until the backlog is read: an old disconnect may have a reconnect behind it. */
  async function tick(): Promise<void> {
    if (ticking || stopping || !caughtUp) return;
    ticking = true;
    try {
      const now = clock.now();
      if (now - lastSweep >= options.sweepIntervalMs) {
        lastSweep = now;
        await engine.sweep(now, options.ttlMs);
        onlineUsers.set(await scripts.onlineUsers());
      }
      await engine.retryFailed();
      await engine.claimDue(now);
    } catch (err) {
      log(`presence tick: ${errorMessage(err)}`);
    } finally {
      ticking = false;
    }
  }

  try {
    await Promise.all([cassandra.connect(), ensureGroup()]);
  } catch (err) {
    reader.disconnect();
    redis.disconnect();
    await cassandra.shutdown().catch(() => {});
    throw new ChatlabError(ErrorCodes.INFRA_UNAVAILABLE, `presence server could not start: ${errorMessage(err)}`, { cause: err });
  }
  loopDone = readLoop();
  timer = setInterval(() => void tick(), options.tickMs);

  return {
    healthy: () => !stopping && redis.status === 'ready' && reader.status === 'ready',
    async stop() {
      if (stopping) return;
      stopping = true;
      clearInterval(timer);
      await loopDone;
      await engine.idle().catch(() => {});
      reader.disconnect();
      redis.disconnect();
      await cassandra.shutdown().catch(() => {});
    },
  };
}

/**
 * The receipts worker. Watermarks coalesce in Redis (the gateways' Lua max-update); this
 * process writes the dirty ones to Cassandra in batches every `flushIntervalMs` (write-back:
 * 500 reads of one conversation between two flushes cost one row), and tells the other
 * members of each conversation through `receipt` frames, throttled per conversation.
 */
import { ChatlabError, ErrorCodes, MetricNames, counter, errorMessage, type ReceiptFrame, type ServiceConfig, type ServiceDeps } from '../../core/index.js';
import {
  ConversationStore,
  ReceiptScripts,
  WatermarkStore,
  decodeRouted,
  encodeServiceFrame,
  parseSpans,
  publishBatched,
  serviceRedis,
  serviceStartup,
  type ReceiptEntry,
  type Span,
  type WatermarkRow,
} from '../../store/index.js';
import { parseReceiptsOptions } from './options.js';
import { ConversationThrottle } from './throttle.js';
import { MemberLists, receiptRecipients } from './member-lists.js';

export interface StartedReceiptsWorker {
  healthy(): boolean;
  /** Writes what is dirty now (also run on every interval). */
  flush(): Promise<number>;
  stop(): Promise<void>;
}

export async function startReceiptsWorker(config: ServiceConfig, deps: ServiceDeps): Promise<StartedReceiptsWorker> {
  const options = parseReceiptsOptions(config.options);
  const { clock, log, keys, redis, cassandra } = serviceStartup(config, deps);
  const scripts = new ReceiptScripts(redis, keys);
  const watermarks = new WatermarkStore(cassandra, config.keyspace);
  const conversations = new ConversationStore(redis, cassandra, config.keyspace, keys);
  // Member lists follow member changes: a removed member gets no receipt after their removal.
  const sub = serviceRedis(config, { maxRetriesPerRequest: null });
  const members = new MemberLists(async (conversationId) => {
    const c = await conversations.get(conversationId);
    if (!c) return null;
    const raw = await redis.hgetall(keys.spans(conversationId));
    return { members: c.members, spans: new Map<string, Span[]>(Object.entries(raw).map(([u, v]) => [u, parseSpans(v)])) };
  });
  sub.on('message', (_channel: string, payload: string) => {
    const routed = decodeRouted(payload);
    if (routed?.kind === 'control' && routed.control.op === 'member') members.changed(routed.control.conversationId);
  });
  sub.on('close', () => members.lost());
  // ioredis subscribes again before 'ready'; the ping returns once Redis has taken the SUBSCRIBE
  let subscribed = false;
  sub.on('ready', () => {
    if (!subscribed) return; // the first subscribe resumes the lists itself
    void sub
      .ping()
      .then(() => sub.status === 'ready' && members.resumed())
      .catch(() => {});
  });
  const throttle = new ConversationThrottle(options.throttleMs);

  const dbWrites = counter(deps.registry, MetricNames.receiptDbWrites, 'watermark rows written to Cassandra');
  const flushFailures = counter(deps.registry, 'chatlab_receipt_flush_failures_total', 'failed flush rounds (entries kept for the next round)');
  const frames = counter(deps.registry, 'chatlab_receipt_notifications_total', 'receipt frames published to other members');

  let stopping = false;
  let flushing: Promise<number> | undefined;
  let flushTimer: NodeJS.Timeout | undefined;
  let notifyTimer: NodeJS.Timeout | undefined;
  let notifying = false;
  let failedRounds = 0;

  /** Takes dirty entries, writes their current values, and only then lets go of them. */
  async function flushOnce(): Promise<number> {
    let written = 0;
    for (;;) {
      const entries = await scripts.take(config.name, options.flushBatch);
      if (entries.length === 0) return written;
      const rows = await currentValues(entries);
      if (rows.length > 0) await watermarks.writeMany(rows);
      dbWrites.inc(rows.length);
      written += rows.length;
      await scripts.takeDone(config.name);
      if (entries.length < options.flushBatch) return written;
    }
  }

  async function currentValues(entries: ReceiptEntry[]): Promise<WatermarkRow[]> {
    const byConv = new Map<string, string[]>();
    for (const e of entries) byConv.set(e.conversationId, [...(byConv.get(e.conversationId) ?? []), e.userId]);
    const rows: WatermarkRow[] = [];
    await Promise.all(
      [...byConv].map(async ([conversationId, userIds]) => {
        const values = await scripts.watermarks(conversationId, userIds);
        values.forEach((v, i) => v !== null && rows.push({ conversationId, userId: userIds[i]!, messageId: v }));
      }),
    );
    return rows;
  }

  function flush(): Promise<number> {
    flushing ??= flushOnce().finally(() => (flushing = undefined));
    return flushing;
  }

  function scheduleFlush(): void {
    if (stopping) return;
    flushTimer = setTimeout(() => {
      flush()
        .then(() => {
          if (failedRounds > 0) log(`flushes succeed again after ${failedRounds} failed round(s)`);
          failedRounds = 0;
        })
        .catch((err: unknown) => {
          flushFailures.inc();
          // One line when an outage starts and one per 20 rounds keeps a long outage readable.
          if (failedRounds++ % 20 === 0) log(`flush failed (entries kept in Redis for the next round): ${errorMessage(err)}`);
        })
        .finally(scheduleFlush);
    }, options.flushIntervalMs);
  }

  async function notify(): Promise<void> {
    if (notifying || stopping) return;
    notifying = true;
    try {
      for (const e of await scripts.popNotify(5000)) throttle.offer(e.conversationId, e.userId);
      const ready = throttle.take(clock.now());
      const messages: Array<[string, string]> = [];
      await Promise.all(
        ready.map(async ({ conversationId, userIds }) => {
          const list = await members.get(conversationId);
          if (!list || list.members.length > options.notifyMaxMembers) return;
          const values = await scripts.watermarks(conversationId, userIds);
          userIds.forEach((userId, i) => {
            const messageId = values[i];
            if (!messageId) return;
            const frame: ReceiptFrame = { type: 'receipt', conversationId, userId, messageId };
            const payload = encodeServiceFrame('receipts', JSON.stringify(frame));
            for (const m of receiptRecipients(list, userId, messageId)) messages.push([keys.inbox(m), payload]);
          });
        }),
      );
      await publishBatched(redis, messages, options.fanoutBatch);
      frames.inc(messages.length);
    } catch (err) {
      // Receipt frames are best effort: the watermark itself is safe in Redis and Cassandra.
      log(`receipt frames: ${errorMessage(err)}`);
    } finally {
      notifying = false;
    }
  }

  try {
    await cassandra.connect();
    await redis.ping();
    await sub.subscribe(keys.memberChanges);
    subscribed = true;
    members.resumed();
    // Leftovers of a crashed run (its processing set) go first, before anything new.
    const leftovers = await flush();
    if (leftovers > 0) log(`flushed ${leftovers} watermark(s) left by a previous run`);
  } catch (err) {
    redis.disconnect();
    sub.disconnect();
    await cassandra.shutdown().catch(() => {});
    throw new ChatlabError(ErrorCodes.INFRA_UNAVAILABLE, `receipts worker could not start: ${errorMessage(err)}`, { cause: err });
  }
  scheduleFlush();
  notifyTimer = setInterval(() => void notify(), options.notifyIntervalMs);

  return {
    healthy: () => !stopping && redis.status === 'ready',
    flush,
    async stop() {
      if (stopping) return;
      stopping = true;
      clearTimeout(flushTimer);
      clearInterval(notifyTimer);
      await flushing?.catch(() => 0);
      // A last round, so a graceful stop leaves nothing dirty behind.
      await flush().catch((err: unknown) => log(`final flush failed (kept in Redis): ${errorMessage(err)}`));
      redis.disconnect();
      sub.disconnect();
      await cassandra.shutdown().catch(() => {});
    },
  };
}

import { z } from 'zod';

/**
 * What an architect knows about the users: how many, how chatty, how grouped. Every figure is
 * per user per day or a share; the model turns them into peak rates. Defaults describe a
 * messenger of mostly one-to-one chats (no published source: they are starting points to
 * override, each named in docs/sizing.md).
 */
export const groupMixSchema = z
  .array(z.object({ size: z.number().int().min(2).max(100_000), share: z.number().min(0).max(1) }))
  .min(1)
  .refine((mix) => Math.abs(mix.reduce((s, g) => s + g.share, 0) - 1) < 1e-6, 'groupMix: the shares must add up to 1');

export const ROUTINGS = ['inbox', 'hybrid', 'group'] as const;
export const PRESENCE_MODES = ['inline', 'decoupled'] as const;
export const RECEIPT_MODES = ['write-through', 'write-back'] as const;
export const SEARCH_MODES = ['cloud', 'local'] as const;
export const PUBSUB_MODES = ['sharded', 'classic'] as const;

export const workloadSchema = z
  .object({
    users: z.number().int().min(1).max(10_000_000_000).default(1_000_000),
    /** Share of users connected at the peak hour. */
    onlineShare: z.number().min(0.001).max(1).default(0.3),
    messagesPerUserPerDay: z.number().min(0).default(40),
    /** Peak-hour rate ÷ the day's average rate. */
    peakFactor: z.number().min(1).max(100).default(3),
    /** Share of messages sent to conversations of each size (a direct chat is size 2). */
    groupMix: groupMixSchema.default([
      { size: 2, share: 0.7 },
      { size: 10, share: 0.2 },
      { size: 100, share: 0.08 },
      { size: 1000, share: 0.02 },
    ]),
    friendsPerUser: z.number().min(0).default(50),
    /** Online/offline changes per user per day (each announced to the friends online). */
    statusChangesPerUserPerDay: z.number().min(0).default(10),
    /** History pages pulled (GET …/messages), mostly by phones reconnecting. */
    readsPerUserPerDay: z.number().min(0).default(20),
    searchesPerUserPerDay: z.number().min(0).default(1),
    /** (Re)connections per user per day: every one is a TLS + WebSocket handshake. */
    connectsPerUserPerDay: z.number().min(0).default(10),
    retentionDays: z.number().min(1).default(365),
    kafkaRetentionDays: z.number().min(0.1).default(7),
    /** Replication factor of Cassandra and Kafka. */
    rf: z.number().int().min(1).max(7).default(3),
    bodyBytes: z.number().int().min(1).default(150),
    routing: z.enum(ROUTINGS).default('hybrid'),
    /** Hybrid routing: groups larger than this use the group channel. */
    groupThreshold: z.number().int().min(1).default(100),
    presence: z.enum(PRESENCE_MODES).default('decoupled'),
    receipts: z.enum(RECEIPT_MODES).default('write-back'),
    search: z.enum(SEARCH_MODES).default('cloud'),
    /** sharded: SPUBLISH, each channel on one shard; classic: every PUBLISH broadcast to every node of a cluster. */
    pubsub: z.enum(PUBSUB_MODES).default('sharded'),
    /** Share of a core a process is planned to use at the peak (the rest is headroom). */
    targetUtilization: z.number().min(0.05).max(1).default(0.6),
    /** Redis runs commands on one thread: the share of it a node may be busy at the peak. */
    redisBusyCap: z.number().min(0.05).max(1).default(0.5),
    /** The machine a JVM node (Kafka, Cassandra, OpenSearch) runs on. */
    nodeCores: z.number().int().min(1).default(16),
    nodeMemoryGiB: z.number().min(1).default(64),
    /** Data one node should hold (compaction and repair stay practical below it). */
    cassandraDiskPerNodeGiB: z.number().min(1).default(2000),
    kafkaDiskPerBrokerGiB: z.number().min(1).default(4000),
    searchDiskPerNodeGiB: z.number().min(1).default(1000),
    /** Memory a gateway process may use for connections (its heap and buffers). */
    gatewayMemoryGiB: z.number().min(0.1).default(4),
  })
  .strict();

export type Workload = z.infer<typeof workloadSchema>;
export type WorkloadInput = z.input<typeof workloadSchema>;

/** Keys `--set` may vary side by side, and what each accepts. */
export const TRADEOFF_KEYS = ['routing', 'groupThreshold', 'presence', 'receipts', 'search', 'pubsub'] as const;
export type TradeoffKey = (typeof TRADEOFF_KEYS)[number];

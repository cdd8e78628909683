import { z } from 'zod';
import { consistencyLevelSchema, kafkaAcksSchema } from '../store/index.js';
import { FRAME_LIMIT_DEFAULT_BYTES, FRAME_LIMIT_MAX_BYTES, MEMBERS_CAP_DEFAULT, MEMBERS_MAX, parseOptions } from '../core/index.js';
import { DEFAULT_ROUTING_POLICY, ROUTINGS } from '../store/index.js';

/** What one user may ask of a gateway (docs/protocol.md, "Limits"): beyond it 400, 429 or a refused upgrade. */
const edgeLimits = {
  /** Members per conversation at creation: more is a 400. */
  maxMembers: z.number().int().min(2).max(MEMBERS_MAX).default(MEMBERS_CAP_DEFAULT),
  /** HTTP API requests per user (token bucket, per gateway): beyond it 429. */
  httpRatePerSec: z.number().positive().default(20),
  httpRateBurst: z.number().int().positive().default(40),
  /** Conversation creations per user (per gateway): beyond it 429. */
  createRatePerSec: z.number().positive().default(1),
  createRateBurst: z.number().int().positive().default(20),
  /**
   * Admission control, as a load balancer in front of the gateway would do it: WebSocket
   * handshakes per second this gateway accepts (token bucket); beyond it 503 with Retry-After,
   * before anything is spent on them. 0: no limit (the default).
   */
  admitHandshakesPerSec: z.number().min(0).default(0),
  admitHandshakesBurst: z.number().int().min(1).default(50),
  /** Open sockets per user on one gateway: the next upgrade is refused with 429. */
  maxConnectionsPerUser: z.number().int().min(1).default(16),
  /** The gateway pings every socket this often; a socket that has not answered the previous ping is dropped. */
  pingIntervalMs: z.number().int().min(100).default(30_000),
  /** A socket that sent no frame (heartbeats count) for this long is closed with 4000. */
  idleTimeoutMs: z.number().int().min(1000).default(300_000),
};

/** Gateway tuning, from the service config's `options` (validated once, with defaults). */
export const gatewayOptionsSchema = z.object({
  /** Conversations with more members than this publish once to group:<conv> (fan-out on read). */
  groupThreshold: z.number().int().min(1).default(DEFAULT_ROUTING_POLICY.groupThreshold),
  /** Force one routing for every conversation (the large-group scenario compares them). */
  routing: z.enum(ROUTINGS).default(DEFAULT_ROUTING_POLICY.routing),
  maxFrameBytes: z.number().int().min(1024).max(FRAME_LIMIT_MAX_BYTES).default(FRAME_LIMIT_DEFAULT_BYTES),
  /** A socket whose unsent bytes exceed this is a slow consumer: closed with 4008. */
  outboundLimitBytes: z.number().int().min(16 * 1024).default(4 * 1024 * 1024),
  /** Token bucket per connection: frames per second and burst. Beyond it: closed with 4008. */
  rateLimitPerSec: z.number().positive().default(200),
  rateLimitBurst: z.number().int().positive().default(400),
  dedupeTtlSec: z.number().int().positive().default(24 * 3600),
  /** On SIGTERM each socket is told to come back after a delay spread over this window. */
  reconnectSpreadMs: z.number().int().min(0).default(2000),
  drainTimeoutMs: z.number().int().min(0).default(10_000),
  kafkaBatchMax: z.number().int().min(1).default(500),
  /**
   * Kafka's linger.ms: how long the first message of a request waits for company. Kafka's cost
   * is per produce request (~1 ms of broker CPU each on a 2.1 GHz Xeon); at 100 msg/s over two
   * gateways a message arrives every 20 ms, so a linger shorter than that batches little. The
   * linger is paid by the sender's ack (which waits for Kafka), not by delivery (Redis first):
   * 50 ms roughly halves produce requests against 20 ms, and 100 ms saves a little more CPU but
   * doubles the ack's latency. Figures: bench/README.md, cold-path.
   */
  kafkaLingerMs: z.number().int().min(0).max(1000).default(50),
  /** The producer's acks on chat.messages (store/consistency.ts): all (every in-sync replica, the default) or 1 (the leader alone). */
  kafkaAcks: kafkaAcksSchema.default('all'),
  /** History and sync reads' Cassandra level; unset: LOCAL_ONE (one node). */
  readConsistency: consistencyLevelSchema.optional(),
  /** The gateway's own Cassandra writes (delete); unset: as reads. */
  writeConsistency: consistencyLevelSchema.optional(),
  /** Bytes per produce request (under Kafka's 1 MiB default max.message.bytes). */
  kafkaBatchMaxBytes: z.number().int().min(16 * 1024).default(900 * 1024),
  /** Messages waiting for Kafka at most; beyond it sends are refused `unavailable` before publishing. */
  kafkaQueueMax: z.number().int().min(1).default(20_000),
  /**
   * The Snowflake worker-id lease; lost (not renewed for this long) = no sends until re-taken.
   * 30 s: a 2-core machine under a fault can stall a gateway for seconds; a dead gateway's id
   * stays blocked that long, and there are 1,024 of them.
   */
  workerLeaseTtlMs: z.number().int().min(300).default(30_000),
  /**
   * decoupled: the gateway only appends presence events to a Redis stream; the presence server
   * does the state and the fan-out. inline: the gateway does both itself, on the chat path.
   */
  presence: z.enum(['decoupled', 'inline']).default('decoupled'),
  /** inline only; must match the presence server's refreshMs / flapWindowMs. */
  presenceRefreshMs: z.number().int().min(0).default(5_000),
  presenceFlapWindowMs: z.number().int().min(0).default(1_000),
  /** inline only: an offline this gateway did not announce (it died) is taken over by the presence server this long after it fell due. */
  presenceTakeoverMs: z.number().int().min(0).default(5_000),
  presenceFriendsCacheMs: z.number().int().min(0).default(5_000),
  /**
   * write-back: a `read` raises the watermark in Redis and marks it dirty; the receipts worker
   * writes it to Cassandra in batches. write-through: each `read` is also one Cassandra write.
   */
  receipts: z.enum(['write-back', 'write-through']).default('write-back'),
  ...edgeLimits,
});

export type GatewayOptions = z.infer<typeof gatewayOptionsSchema>;

export function parseGatewayOptions(raw: unknown): GatewayOptions {
  return parseOptions(gatewayOptionsSchema, raw, 'gateway');
}

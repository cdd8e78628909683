import { z } from 'zod';

/** One measured figure: the median of n repeats and their range. */
export const figureSchema = z.object({ value: z.number().min(0), min: z.number().min(0), max: z.number().min(0), n: z.number().int().min(1) });
export type Figure = z.infer<typeof figureSchema>;

/**
 * Unit costs the model multiplies by rates. CPU in µs of one process (above its idle burn),
 * memory and disk in bytes. Each names the step of `chatlab calibrate` that measures it.
 */
export const FIGURES = {
  gatewayUsPerFrameInbox: 'gateway CPU per delivered frame, inbox routing (a Redis message per member)',
  gatewayUsPerFrameGroup: 'gateway CPU per delivered frame, group routing (a Redis message per gateway)',
  gatewayUsPerSend: 'gateway CPU per accepted send (ack, Kafka produce, publish)',
  gatewayUsPerHandshake: 'gateway CPU per WebSocket handshake (token check, subscriptions)',
  gatewayBytesPerIdleConnection: 'gateway RSS per idle connection',
  gatewayBytesPerActiveConnection: 'gateway RSS per connection receiving messages',
  gatewayUsPerClientSecond: 'gateway CPU per connected client per second, nothing sent (heartbeats, timers, presence refresh)',
  redisUsPerClientSecond: 'Redis CPU per connected client per second, nothing sent (presence keys)',
  presenceUsPerClientSecond: 'presence server CPU per connected client per second, nothing sent (sweeps, refreshes)',
  redisUsPerSend: 'Redis CPU per accepted send besides its publishes (recent-stream append, keys)',
  redisUsPerPublish: 'Redis CPU per PUBLISH command',
  redisUsPerDelivery: 'Redis CPU per message written to a subscribed gateway',
  redisBytesPerSubscription: 'Redis memory per channel subscription',
  kafkaUsPerMessage: 'Kafka broker CPU per message (one replica)',
  persistUsPerMessage: 'persist worker CPU per message',
  cassandraUsPerWrite: 'Cassandra CPU per message written (one replica)',
  cassandraBytesPerMessage: 'bytes on disk per message (one replica, after flush)',
  kafkaBytesPerMessage: 'bytes in the Kafka log per message (one replica)',
  indexerUsPerMessage: 'search indexer CPU per message',
  searchUsPerMessage: 'search engine CPU per message indexed',
  searchBytesPerMessage: 'index bytes per message',
  presenceUsPerNotification: 'presence server CPU per friend told of a status change (decoupled)',
  gatewayUsPerPresenceInline: 'gateway CPU per friend told of a status change (inline presence)',
  receiptsUsPerRead: 'receipts worker CPU per read receipt',
  dbWritesPerReadWriteBack: 'database writes per read receipt, write-back',
  gatewayUsPerHistoryPage: 'gateway CPU per history page (GET …/messages)',
  cassandraUsPerHistoryPage: 'Cassandra CPU per history page',
  gatewayUsPerSearch: 'gateway CPU per search query (GET /v1/search)',
  searchUsPerQuery: 'search engine CPU per query',
  groupFramesPerGatewayMessage: 'frames each gateway wrote per Redis message in the group-routing step (splits the two routing figures into per-frame and per-Redis-message costs)',
  gatewayKneeFramesPerSec: 'frames/s one gateway process delivers at p99 < 50 ms, nothing lost',
  historyKneePerSec: 'history pages/s the stack serves at p99 < 50 ms',
  searchKneePerSec: 'search queries/s the stack serves at p99 < 50 ms',
} as const;
export type FigureName = keyof typeof FIGURES;

/** Figures added after the first calibration files were written. */
const ADDED_FIGURES: readonly FigureName[] = ['redisUsPerSend'];

/**
 * Process kinds the per-kind figures are keyed by: a process's name without its instance
 * number (gateway-2 → gateway). The JVMs (kafka, cassandra, search) and every Node service.
 */
export const PROCESS_KINDS = ['gateway', 'redis', 'kafka', 'cassandra', 'search', 'persist-worker', 'indexer', 'receipts-worker', 'presence'] as const;
export const kindOf = (name: string) => name.replace(/-\d+$/, '');

/**
 * Figures measured for every process kind (keys of PROCESS_KINDS; a kind not measured is
 * absent and counts 0). CPU in µs.
 */
const perKind = z.record(z.string(), figureSchema).default({});
export const PER_KIND = {
  baselineUsPerSec: 'CPU per second of wall time of one process of the kind with nothing to do (GC, timers, flushes, refreshes)',
  perConversationUs: 'CPU per conversation created (all processes of the kind)',
  perMemberUs: 'CPU per member of a conversation created',
  perHandshakeUs: 'CPU per first connect of a client: handshake, subscriptions, presence event',
  perFlapUs: 'CPU per drop and reconnect of a client (both status changes), its syncs apart',
  perSyncUs: 'CPU per conversation a reconnecting client syncs',
} as const;
export type PerKindName = keyof typeof PER_KIND;

export const calibrationSchema = z.object({
  schema: z.literal(1),
  measuredAt: z.string(),
  machine: z.object({ cpuModel: z.string(), cores: z.number().int().min(1), clockMHz: z.number().min(0), memoryGiB: z.number().min(0), loadAverage: z.array(z.number()).optional() }),
  versions: z.record(z.string(), z.string()),
  /** A figure a file written before it existed lacks reads as 0, not measured (ADDED_FIGURES). */
  figures: z.object(Object.fromEntries(Object.keys(FIGURES).map((k) => [k, ADDED_FIGURES.includes(k as FigureName) ? figureSchema.default({ value: 0, min: 0, max: 0, n: 1 }) : figureSchema])) as Record<FigureName, typeof figureSchema>),
  /** Throughput of 1, 2, 3 gateway processes on this machine, and the Universal Scalability Law fitted to it. */
  ...(Object.fromEntries(Object.keys(PER_KIND).map((k) => [k, perKind])) as Record<PerKindName, typeof perKind>),
  usl: z.object({ points: z.array(z.object({ n: z.number().int().min(1), throughput: z.number().min(0) })), sigma: z.number(), kappa: z.number(), lambda: z.number() }),
  notes: z.array(z.string()).default([]),
  /** Every sample of every step, by variant, so a figure can be audited or re-derived. */
  raw: z.record(z.string(), z.record(z.string(), z.array(z.number().nullable()))).optional(),
});
export type Calibration = z.infer<typeof calibrationSchema>;

/** The median of a figure: what the model uses. */
export const fig = (c: Calibration, name: FigureName): number => c.figures[name].value;

/** The median of a per-kind figure; 0 for a kind the calibration did not measure (an older file has none). */
export const kindFig = (c: Calibration, name: PerKindName, kind: string): number => c[name]?.[kind]?.value ?? 0;

/** A figure from repeated samples: median, range, count. */
export function figureOf(samples: number[]): Figure {
  const s = samples.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return { value: 0, min: 0, max: 0, n: 1 };
  const mid = Math.floor(s.length / 2);
  const value = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { value: Math.max(0, value), min: Math.max(0, s[0]!), max: Math.max(0, s.at(-1)!), n: s.length };
}

import { z } from 'zod';
import { parseOptions } from '../../core/index.js';

/** Receipts worker tuning, from the service config's `options` (short defaults: tests wait on them). */
export const receiptsOptionsSchema = z.object({
  /** Dirty watermarks are written to Cassandra this often: every read in between coalesces. */
  flushIntervalMs: z.number().int().min(10).default(500),
  /** Dirty entries taken per flush round (a round repeats while it fills up). */
  flushBatch: z.number().int().min(1).max(10_000).default(1000),
  /** How often new watermarks are picked up for `receipt` frames. */
  notifyIntervalMs: z.number().int().min(5).default(50),
  /** At most one round of receipt frames per conversation per this long, carrying the latest watermarks. */
  throttleMs: z.number().int().min(0).default(200),
  /** Conversations with more members get no receipt frames (watermarks are still stored). */
  notifyMaxMembers: z.number().int().min(2).default(100),
  /** PUBLISH commands per pipeline. */
  fanoutBatch: z.number().int().min(1).default(500),
});

export type ReceiptsOptions = z.infer<typeof receiptsOptionsSchema>;

export function parseReceiptsOptions(raw: unknown): ReceiptsOptions {
  return parseOptions(receiptsOptionsSchema, raw, 'receipts');
}

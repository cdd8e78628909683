import { z } from 'zod';
import { parseOptions } from '../core/index.js';

/**
 * Presence server tuning, from the service config's `options`. The defaults are short so a
 * test sees a zombie go offline in seconds; a real deployment would use a TTL of a minute or
 * more. Clients must heartbeat more often than `ttlMs - refreshMs` (10 s by default).
 */
export const presenceOptionsSchema = z
  .object({
    /** A socket not seen (connect or heartbeat) for this long is a zombie: the sweep removes it. */
    ttlMs: z.number().int().min(100).default(15_000),
    /** Lazy update: a known socket's last-seen is rewritten only when older than this. */
    refreshMs: z.number().int().min(0).default(5_000),
    sweepIntervalMs: z.number().int().min(50).default(1_000),
    /** An offline is announced only after this long without a reconnect (flap suppression). */
    flapWindowMs: z.number().int().min(0).default(1_000),
    /** How often due offline announcements are taken. */
    tickMs: z.number().int().min(10).default(200),
    /** How long a user's friend list is reused (new direct conversations show after this). */
    friendsCacheMs: z.number().int().min(0).default(5_000),
    /** Events read from the stream per round trip. */
    readBatch: z.number().int().min(1).default(1_000),
    /** PUBLISH commands per pipeline. */
    fanoutBatch: z.number().int().min(1).default(500),
  })
  .refine((o) => o.refreshMs < o.ttlMs, { message: 'refreshMs must be below ttlMs, or live sockets would be swept' });

export type PresenceOptions = z.infer<typeof presenceOptionsSchema>;

export function parsePresenceOptions(raw: unknown): PresenceOptions {
  return parseOptions(presenceOptionsSchema, raw, 'presence');
}

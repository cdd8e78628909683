import fs from 'node:fs';
import { z } from 'zod';
import { ChatlabError, ErrorCodes } from './errors.js';

/**
 * What every service process (gateway, presence, workers) is started with: a JSON file written
 * by the stack, named on the command line (`--config FILE`), validated once here.
 */
export const serviceConfigSchema = z.object({
  name: z.string().min(1),
  kind: z.enum(['gateway', 'presence', 'persist-worker', 'receipts-worker', 'indexer']),
  port: z.number().int().min(0).max(65535),
  host: z.string().default('127.0.0.1'),
  redisUrl: z.string().min(1),
  kafkaBrokers: z.array(z.string()).min(1),
  cassandra: z.object({ contactPoints: z.array(z.string()).min(1), localDataCenter: z.string().min(1) }),
  /** The search engine's base URL (indexer, gateway's /v1/search); empty when none runs. */
  searchUrl: z.string().optional(),
  keyspace: z.string().regex(/^[a-z][a-z0-9_]{0,47}$/),
  /** Prefix for every Redis key and channel, so several stacks (or tests) can share a Redis. */
  redisPrefix: z.string().default(''),
  /** Topic names, overridable for isolation. */
  topics: z.object({ messages: z.string().default('chat.messages') }).default({ messages: 'chat.messages' }),
  secret: z.string().min(16),
  options: z.record(z.string(), z.unknown()).default({}),
});

export type ServiceConfig = z.infer<typeof serviceConfigSchema>;

export function parseServiceConfig(raw: unknown): ServiceConfig {
  const parsed = serviceConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ChatlabError(ErrorCodes.CONFIG, `bad service config: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

/** Reads `--config FILE` from argv. */
export function loadServiceConfig(argv: string[] = process.argv): ServiceConfig {
  return parseServiceConfig(JSON.parse(fs.readFileSync(serviceConfigPath(argv), 'utf8')));
}

/** The `--config FILE` path from argv. */
export function serviceConfigPath(argv: string[] = process.argv): string {
  const i = argv.indexOf('--config');
  const file = i >= 0 ? argv[i + 1] : undefined;
  if (!file) throw new ChatlabError(ErrorCodes.CONFIG, 'usage: <service> --config FILE');
  return file;
}

/** A service's `options`, validated once with its schema (defaults filled), or CHATLAB_E_CONFIG. */
export function parseOptions<T>(schema: z.ZodType<T>, raw: unknown, what: string): T {
  const parsed = schema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new ChatlabError(ErrorCodes.CONFIG, `bad ${what} options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

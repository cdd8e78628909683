import { z } from 'zod';
import { ChatlabError, ErrorCodes } from '../core/index.js';
import type { InfraEndpoints, InfraChoice } from './types.js';

const hostPort = z.string().regex(/^[A-Za-z0-9._-]+:\d{1,5}$/, 'expected host:port');
const list = (s: string | undefined) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean);

export const infraChoiceSchema = z.enum(['auto', 'native', 'containers', 'external']);

export const externalEndpointsSchema = z.object({
  redis: z.object({ url: z.string().regex(/^rediss?:\/\/[^\s]+$/, 'expected redis://host:port') }),
  kafka: z.object({ brokers: z.array(hostPort).min(1, 'at least one broker') }),
  cassandra: z.object({ contactPoints: z.array(hostPort).min(1, 'at least one contact point'), localDataCenter: z.string().min(1) }),
  search: z.object({
    // the REST base URL; credentials in it are not supported (the security plugin is off everywhere chatlab starts one)
    url: z
      .string()
      .regex(/^https?:\/\/[A-Za-z0-9._-]+(:\d{1,5})?\/?$/, 'expected http://host:port')
      .transform((u) => u.replace(/\/$/, '')),
  }),
});

export interface ExternalFlags {
  redisUrl?: string;
  kafkaBrokers?: string;
  cassandraContactPoints?: string;
  cassandraDc?: string;
  searchUrl?: string;
}

/** Flags win over CHATLAB_* environment variables; the result is validated once, here. */
export function externalEndpoints(flags: ExternalFlags, env: NodeJS.ProcessEnv = process.env): InfraEndpoints {
  const candidate = {
    redis: { url: flags.redisUrl ?? env['CHATLAB_REDIS_URL'] },
    kafka: { brokers: list(flags.kafkaBrokers ?? env['CHATLAB_KAFKA_BROKERS']) },
    cassandra: {
      contactPoints: list(flags.cassandraContactPoints ?? env['CHATLAB_CASSANDRA_CONTACT_POINTS']),
      localDataCenter: flags.cassandraDc ?? env['CHATLAB_CASSANDRA_DC'] ?? 'datacenter1',
    },
    search: { url: flags.searchUrl ?? env['CHATLAB_SEARCH_URL'] },
  };
  const parsed = externalEndpointsSchema.safeParse(candidate);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ChatlabError(ErrorCodes.CONFIG, `--infra external needs the endpoints of your Redis, Kafka, Cassandra and search engine (${problems})`, {
      details:
        'set --redis-url, --kafka-brokers, --cassandra-contact-points [--cassandra-dc], --search-url, or CHATLAB_REDIS_URL, CHATLAB_KAFKA_BROKERS, CHATLAB_CASSANDRA_CONTACT_POINTS [CHATLAB_CASSANDRA_DC], CHATLAB_SEARCH_URL',
    });
  }
  return parsed.data;
}

export function parseInfraChoice(value: string | undefined): InfraChoice {
  const parsed = infraChoiceSchema.safeParse(value ?? 'auto');
  if (!parsed.success) throw new ChatlabError(ErrorCodes.CONFIG, `--infra must be one of auto, native, containers, external (got "${value}")`);
  return parsed.data;
}

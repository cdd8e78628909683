import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../core/index.js';
import { externalEndpoints, parseInfraChoice } from './config.js';

describe('infra configuration', () => {
  it('parses the --infra choice and rejects anything else with a clear error', () => {
    expect(parseInfraChoice(undefined)).toBe('auto');
    expect(parseInfraChoice('native')).toBe('native');
    expect(() => parseInfraChoice('docker')).toThrowError(/--infra must be one of auto, native, containers, external \(got "docker"\)/);
    try {
      parseInfraChoice('docker');
    } catch (e) {
      expect((e as { code: string }).code).toBe(ErrorCodes.CONFIG);
    }
  });

  it('takes external endpoints from flags before the environment', () => {
    const env = { CHATLAB_REDIS_URL: 'redis://env:1', CHATLAB_KAFKA_BROKERS: 'k1:9092, k2:9092', CHATLAB_CASSANDRA_CONTACT_POINTS: 'c1:9042' };
    expect(externalEndpoints({}, env)).toEqual({
      redis: { url: 'redis://env:1' },
      kafka: { brokers: ['k1:9092', 'k2:9092'] },
      cassandra: { contactPoints: ['c1:9042'], localDataCenter: 'datacenter1' },
    });
    expect(externalEndpoints({ redisUrl: 'redis://flag:2', cassandraDc: 'dc2' }, env)).toMatchObject({
      redis: { url: 'redis://flag:2' },
      cassandra: { localDataCenter: 'dc2' },
    });
  });

  it('names every missing or malformed external endpoint at once', () => {
    let error: { code?: string; message?: string; details?: string } = {};
    try {
      externalEndpoints({ redisUrl: 'http://nope', kafkaBrokers: 'no-port' }, {});
    } catch (e) {
      error = e as typeof error;
    }
    expect(error.code).toBe(ErrorCodes.CONFIG);
    expect(error.message).toContain('redis.url');
    expect(error.message).toContain('kafka.brokers.0: expected host:port');
    expect(error.message).toContain('cassandra.contactPoints');
    expect(error.details).toContain('CHATLAB_REDIS_URL');
  });
});

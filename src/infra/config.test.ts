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
    const env = {
      CHATLAB_REDIS_URL: 'redis://env:1',
      CHATLAB_KAFKA_BROKERS: 'k1:9092, k2:9092',
      CHATLAB_CASSANDRA_CONTACT_POINTS: 'c1:9042',
      CHATLAB_SEARCH_URL: 'http://search.env:9200/',
    };
    expect(externalEndpoints({}, env)).toEqual({
      redis: { url: 'redis://env:1' },
      kafka: { brokers: ['k1:9092', 'k2:9092'] },
      cassandra: { contactPoints: ['c1:9042'], localDataCenter: 'datacenter1' },
      // no trailing slash: callers append paths
      search: { url: 'http://search.env:9200' },
    });
    expect(externalEndpoints({ redisUrl: 'redis://flag:2', cassandraDc: 'dc2', searchUrl: 'https://search.flag:443' }, env)).toMatchObject({
      redis: { url: 'redis://flag:2' },
      cassandra: { localDataCenter: 'dc2' },
      search: { url: 'https://search.flag:443' },
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
    expect(error.message).toContain('search.url');
    expect(error.details).toContain('CHATLAB_REDIS_URL');
    expect(error.details).toContain('--search-url');
  });

  it('takes the search engine as an http(s) URL of a host and port, nothing else', () => {
    const rest = { CHATLAB_REDIS_URL: 'redis://r:1', CHATLAB_KAFKA_BROKERS: 'k:9092', CHATLAB_CASSANDRA_CONTACT_POINTS: 'c:9042' };
    for (const bad of ['search:9200', 'redis://s:9200', 'http://s:9200/prefix', 'http://user:pw@s:9200']) {
      expect(() => externalEndpoints({ searchUrl: bad }, rest), bad).toThrowError(/search\.url: expected http:\/\/host:port/);
    }
    expect(externalEndpoints({ searchUrl: 'http://127.0.0.1:9200' }, rest).search.url).toBe('http://127.0.0.1:9200');
  });
});

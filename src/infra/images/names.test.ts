import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { packageRoot } from '../../core/index.js';
import { imagesProblem } from '../containers/provider.js';
import { COMPONENTS } from '../types.js';
import { LOCAL_IMAGES, OFFICIAL_IMAGES, resolveImages } from './names.js';

describe('the image set', () => {
  it('is the official images by default, the local ones with --images local or CHATLAB_IMAGES=local', () => {
    expect(resolveImages(undefined, {}).images).toEqual(OFFICIAL_IMAGES);
    expect(resolveImages('local', {})).toEqual({ set: 'local', images: LOCAL_IMAGES });
    expect(resolveImages(undefined, { CHATLAB_IMAGES: 'local' }).images).toEqual(LOCAL_IMAGES);
    expect(OFFICIAL_IMAGES.kafka).toMatch(/^apache\/kafka:4\.1\./);
  });

  it('takes one part from CHATLAB_IMAGE_<PART>, and refuses a bad set or name with the variable named', () => {
    expect(resolveImages('local', { CHATLAB_IMAGE_KAFKA: 'registry.example/kafka:4.1.2' }).images).toEqual({ ...LOCAL_IMAGES, kafka: 'registry.example/kafka:4.1.2' });
    expect(() => resolveImages('mine', {})).toThrow('--images must be official or local (got "mine")');
    expect(() => resolveImages(undefined, { CHATLAB_IMAGE_SEARCH: 'Not An Image' })).toThrow(/^CHATLAB_IMAGE_SEARCH: expected an image name/);
  });

  it('is the one docker-compose.yml uses: official defaults, local ones in docker-compose.local.yml', () => {
    const root = packageRoot();
    const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'));
    const local = parse(fs.readFileSync(path.join(root, 'docker-compose.local.yml'), 'utf8'));
    const service = { redis: 'redis', kafka: 'kafka', cassandra: 'cassandra', search: 'opensearch' } as const;
    for (const part of COMPONENTS) {
      expect(compose.services[service[part]].image).toBe(`\${CHATLAB_IMAGE_${part.toUpperCase()}:-${OFFICIAL_IMAGES[part]}}`);
      expect(local.services[service[part]].image).toBe(`\${CHATLAB_IMAGE_${part.toUpperCase()}:-${LOCAL_IMAGES[part]}}`);
    }
  });
});

describe('whether the containers provider can have its images', () => {
  const status = (state: 'present' | 'pullable' | 'buildable' | 'missing', reason?: string) =>
    COMPONENTS.map((part) => ({ part, image: `${part}:1`, state, ...(reason ? { reason } : {}) }));
  it('yes when each is present or pullable, or one of ours it may build', () => {
    expect(imagesProblem(status('present'), false)).toBeNull();
    expect(imagesProblem(status('pullable'), false)).toBeNull();
    expect(imagesProblem(status('buildable'), true)).toBeNull();
  });
  it('no, naming each image, why, and the command that fixes it', () => {
    const problem = imagesProblem([...status('present').slice(0, 3), { part: 'search', image: 'opensearchproject/opensearch:2.19.6', state: 'missing', reason: 'no such host' }], false);
    expect(problem).toBe('images missing and not pullable: opensearchproject/opensearch:2.19.6 (no such host); build local ones with scripts/build-images.sh and use --images local');
    expect(imagesProblem(status('buildable'), false)).toContain('redis:1, kafka:1, cassandra:1, search:1');
  });
});

import { z } from 'zod';
import { ChatlabError, ErrorCodes } from '../../core/index.js';
import { COMPONENTS, type ComponentName } from '../types.js';

/**
 * The container images of the four parts, one table for the containers provider and
 * docker-compose.yml (its `${CHATLAB_IMAGE_<PART>:-…}` defaults and docker-compose.local.yml
 * repeat these names; a unit test keeps them equal). Official: pulled from a registry. Local:
 * built on this machine by scripts/build-images.sh (or `up --images local`) from a Debian root
 * file system, Debian's redis-server and JRE, and the jars the native provider resolves, with the
 * official images' contract (ports, data dirs, environment).
 */
export const OFFICIAL_IMAGES: Readonly<Record<ComponentName, string>> = {
  redis: 'redis:7.0-alpine',
  kafka: 'apache/kafka:4.1.2',
  cassandra: 'cassandra:5.0',
  search: 'opensearchproject/opensearch:2.19.6', // the native jars' version (3.x needs Java 21)
};

export const LOCAL_IMAGES: Readonly<Record<ComponentName, string>> = {
  redis: 'chatlab/redis:7.0',
  kafka: 'chatlab/kafka:4.1.2',
  cassandra: 'chatlab/cassandra:5.0.6',
  search: 'chatlab/opensearch:2.19.6',
};

export const imageSetSchema = z.enum(['official', 'local']);
export type ImageSet = z.infer<typeof imageSetSchema>;

/** The environment variable that overrides one part's image. */
export function imageVariable(part: ComponentName): string {
  return `CHATLAB_IMAGE_${part.toUpperCase()}`;
}

const imageName = z.string().regex(/^[a-z0-9][a-z0-9._/:@-]*$/, 'expected an image name such as redis:7.0-alpine');

export interface ImageChoice {
  set: ImageSet;
  images: Record<ComponentName, string>;
}

/** `--images official|local` (or CHATLAB_IMAGES), then CHATLAB_IMAGE_<PART> per part; validated here, once. */
export function resolveImages(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): ImageChoice {
  const raw = flag ?? env['CHATLAB_IMAGES'] ?? 'official';
  const set = imageSetSchema.safeParse(raw);
  if (!set.success) throw new ChatlabError(ErrorCodes.CONFIG, `--images must be official or local (got "${raw}")`);
  const base = set.data === 'local' ? LOCAL_IMAGES : OFFICIAL_IMAGES;
  const images = { ...base };
  for (const part of COMPONENTS) {
    const override = env[imageVariable(part)];
    if (override === undefined || override === '') continue;
    const parsed = imageName.safeParse(override);
    if (!parsed.success) throw new ChatlabError(ErrorCodes.CONFIG, `${imageVariable(part)}: ${parsed.error.issues[0]?.message} (got "${override}")`);
    images[part] = parsed.data;
  }
  return { set: set.data, images };
}

/** Whether an image is one of ours (built here): those are built when missing, never pulled. */
export function isLocalImage(image: string): boolean {
  return Object.values(LOCAL_IMAGES).includes(image);
}

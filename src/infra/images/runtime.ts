import type Dockerode from 'dockerode';
import { errorMessage } from '../../core/index.js';
import { COMPONENTS, type ComponentName } from '../types.js';
import { isLocalImage } from './names.js';

/**
 * The container runtime as testcontainers finds it (DOCKER_HOST, the socket, Podman…), through
 * its client's dockerode: presence, pull checks and clean-up by label, with time limits.
 */
export async function dockerode(): Promise<Dockerode> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  return (await getContainerRuntimeClient()).container.dockerode;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export interface ImageInfo {
  id: string;
  labels: Record<string, string>;
}

export async function imageInfo(docker: Dockerode, name: string): Promise<ImageInfo | null> {
  try {
    const info = await docker.getImage(name).inspect();
    return { id: info.Id, labels: (info.Config?.Labels as Record<string, string> | null) ?? {} };
  } catch {
    return null;
  }
}

export type ImageState = 'present' | 'pullable' | 'buildable' | 'missing';
export interface ImageStatus {
  part: ComponentName;
  image: string;
  state: ImageState;
  /** Why it cannot be pulled, when missing. */
  reason?: string;
}

/**
 * Per part: present here, pullable (the registry answers the daemon with the image's manifest:
 * no layer is fetched), buildable (one of ours, missing), or missing. The registry checks run
 * together and share one time limit.
 */
export async function imagesStatus(docker: Dockerode, images: Record<ComponentName, string>, timeoutMs = 4000): Promise<ImageStatus[]> {
  return Promise.all(
    COMPONENTS.map(async (part): Promise<ImageStatus> => {
      const image = images[part];
      if (await imageInfo(docker, image)) return { part, image, state: 'present' };
      if (isLocalImage(image)) return { part, image, state: 'buildable' };
      try {
        await withTimeout(docker.getImage(image).distribution(), timeoutMs, `the registry of ${image}`);
        return { part, image, state: 'pullable' };
      } catch (err) {
        return { part, image, state: 'missing', reason: shortReason(err) };
      }
    }),
  );
}

/** Docker's registry errors are long (a URL, a DNS lookup): the last clause says what went wrong. */
function shortReason(err: unknown): string {
  const message = errorMessage(err).split('\n')[0] ?? '';
  const tail = /(no such host|connection refused|i\/o timeout|no answer within \d+ ms|manifest unknown|not found|unauthorized|denied)/i.exec(message)?.[1];
  return tail ?? message.slice(0, 120);
}

/** Labels on everything chatlab starts in a runtime: `chatlab` (ours) and the stack's state dir. */
export const LABEL = 'chatlab';
export const STACK_LABEL = 'chatlab.stack';

/**
 * Removes the containers (and their anonymous volumes) that carry this stack's label. This is
 * chatlab's own reaper: testcontainers' reaper (Ryuk) is a pulled image and is switched off.
 */
export async function removeStackContainers(docker: Dockerode, stackId: string, timeoutMs = 30_000): Promise<string[]> {
  const list = await withTimeout(docker.listContainers({ all: true, filters: { label: [`${STACK_LABEL}=${stackId}`] } }), timeoutMs, 'listing containers');
  await Promise.allSettled(
    list.map(async (c) => {
      const container = docker.getContainer(c.Id);
      await container.stop({ t: 10 }).catch(() => {});
      await container.remove({ v: true, force: true });
    }),
  );
  return list.map((c) => c.Id);
}

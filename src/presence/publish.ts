import type { Redis } from 'ioredis';

/**
 * Frames for a user's sockets go through their inbox channel as `<origin>\n<frame JSON>` (the
 * gateway's router format, src/gateway/router.ts). The origin names no socket, so every
 * socket of the user gets the frame.
 */
export function inboxPayload(origin: 'presence' | 'receipts', frameJson: string): string {
  return `${origin}\n${frameJson}`;
}

/** PUBLISHes in pipelines of `batch` commands: one round trip per batch, not per frame. */
export async function publishBatched(redis: Redis, messages: ReadonlyArray<readonly [channel: string, payload: string]>, batch: number): Promise<void> {
  for (let i = 0; i < messages.length; i += batch) {
    const pipeline = redis.pipeline();
    for (const [channel, payload] of messages.slice(i, i + batch)) pipeline.publish(channel, payload);
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err);
    if (failed) throw failed[0];
  }
}

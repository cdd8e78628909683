import type { Redis } from 'ioredis';
import { compareIds, snowflakeFromTime } from '../core/index.js';

/** How far ahead of this gateway's clock another gateway's clock may run. */
const CLOCK_SLACK_MS = 5000;

/**
 * A `read` watermark is clamped to the conversation's last message id: a client cannot mark
 * as read what does not exist yet (a watermark of 2^63 would swallow every receipt to come).
 * The last id is the newest entry of `recent:<conv>` (every published message is appended
 * there under its own id, `<messageId>-0`, before anyone can see it, so nothing a reader saw
 * is above it). With the stream gone
 * (a Redis restart), the bound is the highest id a clock could have issued by now.
 */
export async function clampReadId(redis: Pick<Redis, 'xrevrange'>, recentKey: string, messageId: string, now: number = Date.now()): Promise<string> {
  const bound = lastStreamId(await redis.xrevrange(recentKey, '+', '-', 'COUNT', 1)) ?? snowflakeFromTime(now + CLOCK_SLACK_MS + 1);
  return compareIds(messageId, bound) > 0 ? bound : messageId;
}

function lastStreamId(entries: Array<[string, string[]]>): string | null {
  const id = entries[0]?.[0];
  return id ? id.slice(0, id.indexOf('-') >>> 0) : null;
}

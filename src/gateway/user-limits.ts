import { TokenBucket } from './connection.js';

/**
 * One token bucket per user (HTTP requests, conversation creations). The map is bounded: at
 * `maxUsers` the least recently seen user's bucket goes, so a flood of distinct users costs a
 * fixed amount of memory (a forgotten user starts again with a full bucket, which only a
 * signed token can exploit, and only by holding many user ids).
 */
export class UserRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    private readonly maxUsers = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when the user may go ahead (and a token was taken). */
  take(userId: string): boolean {
    const t = this.now();
    let bucket = this.buckets.get(userId);
    if (bucket) this.buckets.delete(userId); // re-insert: Map order = recency
    else {
      if (this.buckets.size >= this.maxUsers) this.buckets.delete(this.buckets.keys().next().value as string);
      bucket = new TokenBucket(this.ratePerSec, this.burst, t);
    }
    this.buckets.set(userId, bucket);
    return bucket.take(t);
  }

  get size(): number {
    return this.buckets.size;
  }
}

import { describe, expect, it } from 'vitest';
import { CHATLAB_EPOCH_MS, snowflakeFromTime } from '../core/index.js';
import { BUCKET_CLOCK_SLACK_MS, bucketOfId, bucketOfTime, scanBuckets } from './messages.js';
import { MESSAGE_BUCKET_MS } from './schema.js';

const DAY = MESSAGE_BUCKET_MS;
const t = Date.UTC(2025, 5, 10, 12, 0, 0);

describe('message buckets', () => {
  it('a bucket is a UTC day since the Unix epoch', () => {
    expect(bucketOfTime(0)).toBe(0);
    expect(bucketOfTime(DAY - 1)).toBe(0);
    expect(bucketOfTime(DAY)).toBe(1);
    expect(bucketOfTime(Date.UTC(2025, 5, 10))).toBe(bucketOfTime(Date.UTC(2025, 5, 10, 23, 59, 59, 999)));
    expect(bucketOfTime(Date.UTC(2025, 5, 11))).toBe(bucketOfTime(Date.UTC(2025, 5, 10)) + 1);
  });

  it('an id falls in the bucket of the time it was minted', () => {
    expect(bucketOfId(snowflakeFromTime(t))).toBe(bucketOfTime(t));
    // The last ms of a day and the first of the next straddle the boundary.
    const midnight = Date.UTC(2025, 5, 11);
    expect(bucketOfId(snowflakeFromTime(midnight - 1))).toBe(bucketOfTime(midnight) - 1);
    expect(bucketOfId(snowflakeFromTime(midnight))).toBe(bucketOfTime(midnight));
    // Worker and sequence bits never move an id into another bucket.
    const maxInMs = (BigInt(snowflakeFromTime(midnight)) - 1n).toString();
    expect(bucketOfId(maxInMs)).toBe(bucketOfTime(midnight) - 1);
  });

  it('scans from the bucket of `after` to the bucket of now', () => {
    const after = snowflakeFromTime(t - 3 * DAY);
    expect(scanBuckets(after, t)).toEqual({ first: bucketOfTime(t) - 3, last: bucketOfTime(t) });
  });

  it('from the start: from `fromMs` (less clock slack) when given, else from the Snowflake epoch', () => {
    expect(scanBuckets('0', t, t - DAY)).toEqual({ first: bucketOfTime(t) - 1, last: bucketOfTime(t) });
    expect(scanBuckets('0', t).first).toBe(bucketOfTime(CHATLAB_EPOCH_MS));
    const justAfterMidnight = Date.UTC(2025, 5, 10, 0, 0, 1);
    expect(scanBuckets('0', t, justAfterMidnight).first).toBe(bucketOfTime(justAfterMidnight) - 1);
    expect(scanBuckets('0', t, 0).first).toBe(bucketOfTime(CHATLAB_EPOCH_MS));
  });

  it('reaches into the next bucket when now is within the clock slack of midnight', () => {
    const nearMidnight = Date.UTC(2025, 5, 10, 23, 59, 59);
    expect(BUCKET_CLOCK_SLACK_MS).toBeGreaterThan(1000);
    expect(scanBuckets(snowflakeFromTime(t), nearMidnight).last).toBe(bucketOfTime(nearMidnight) + 1);
  });

  it('a tiny `after` (say 1) starts at the conversation, not at the Snowflake epoch', () => {
    const created = t - DAY;
    expect(scanBuckets('1', t, created)).toEqual({ first: bucketOfTime(t) - 1, last: bucketOfTime(t) });
    // an `after` later than creation still wins
    expect(scanBuckets(snowflakeFromTime(t), t, created).first).toBe(bucketOfTime(t));
  });

  it('an `after` in the future gives an empty range', () => {
    const r = scanBuckets(snowflakeFromTime(t + 5 * DAY), t);
    expect(r.first).toBeGreaterThan(r.last);
  });
});

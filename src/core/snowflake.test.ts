import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { ChatlabError, ErrorCodes } from './errors.js';
import {
  CHATLAB_EPOCH_MS,
  SnowflakeGenerator,
  compareIds,
  isSnowflakeString,
  parseSnowflake,
  snowflakeFromTime,
} from './snowflake.js';

const T0 = Date.UTC(2025, 5, 1);

async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise<void>((r) => setImmediate(r));
  return done;
}

describe('SnowflakeGenerator', () => {
  it('encodes time, worker id and sequence so parseSnowflake reads them back', async () => {
    const clock = new ManualClock(T0);
    const gen = new SnowflakeGenerator({ workerId: 513, clock });
    const a = await gen.next();
    const b = await gen.next();
    expect(isSnowflakeString(a)).toBe(true);
    expect(parseSnowflake(a)).toEqual({ timestampMs: T0, workerId: 513, sequence: 0 });
    expect(parseSnowflake(b)).toEqual({ timestampMs: T0, workerId: 513, sequence: 1 });
    clock.advance(7);
    expect(parseSnowflake(await gen.next())).toEqual({ timestampMs: T0 + 7, workerId: 513, sequence: 0 });
  });

  it('issues 10k unique, strictly increasing ids', async () => {
    const clock = new ManualClock(T0);
    const gen = new SnowflakeGenerator({ workerId: 1, clock });
    const ids: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      if (i % 7 === 0) clock.advance(1);
      ids.push(await gen.next());
    }
    expect(new Set(ids).size).toBe(10_000);
    for (let i = 1; i < ids.length; i++) expect(compareIds(ids[i - 1]!, ids[i]!)).toBe(-1);
  });

  it('waits for the next ms once 4096 ids were issued in one ms', async () => {
    const clock = new ManualClock(T0);
    const gen = new SnowflakeGenerator({ workerId: 0, clock });
    let last = '';
    for (let i = 0; i < 4096; i++) last = await gen.next();
    expect(parseSnowflake(last).sequence).toBe(4095);
    expect(gen.tryNextSync()).toBeNull();

    const pending = gen.next();
    expect(await settled(pending)).toBe(false);
    await clock.tick(1);
    const id = await pending;
    expect(parseSnowflake(id)).toEqual({ timestampMs: T0 + 1, workerId: 0, sequence: 0 });
    expect(compareIds(last, id)).toBe(-1);
    expect(gen.stats).toEqual({ backwardsWaits: 0, backwardsRefusals: 0 });
  });

  it('keeps concurrent callers unique across an overflow', async () => {
    const clock = new ManualClock(T0);
    const gen = new SnowflakeGenerator({ workerId: 3, clock });
    const all = Promise.all(Array.from({ length: 10_000 }, () => gen.next()));
    for (let i = 0; i < 3; i++) await clock.tick(1);
    const ids = await all;
    expect(new Set(ids).size).toBe(10_000);
    expect(parseSnowflake(ids.at(-1)!).timestampMs).toBe(T0 + 2);
  });

  it('waits out a small backwards step until the clock catches up', async () => {
    const clock = new ManualClock(T0);
    const gen = new SnowflakeGenerator({ workerId: 9, clock, maxBackwardsWaitMs: 50 });
    const before = await gen.next();
    clock.set(T0 - 50);

    const pending = gen.next();
    expect(gen.stats.backwardsWaits).toBe(1);
    await clock.tick(49);
    expect(await settled(pending)).toBe(false);
    await clock.tick(1);
    const after = await pending;
    expect(compareIds(before, after)).toBe(-1);
    expect(parseSnowflake(after).timestampMs).toBe(T0);
    expect(gen.stats).toEqual({ backwardsWaits: 1, backwardsRefusals: 0 });
  });

  it('refuses a backwards step larger than maxBackwardsWaitMs, counts it, and recovers', async () => {
    const clock = new ManualClock(T0);
    const gen = new SnowflakeGenerator({ workerId: 9, clock, maxBackwardsWaitMs: 50 });
    const before = await gen.next();
    clock.set(T0 - 51);

    const err = await gen.next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChatlabError);
    expect((err as ChatlabError).code).toBe(ErrorCodes.CLOCK_BACKWARDS);
    expect((err as ChatlabError).message).toMatch(/moved back 51 ms/);
    expect(() => gen.tryNextSync()).toThrow(ChatlabError);
    expect(gen.stats).toEqual({ backwardsWaits: 0, backwardsRefusals: 2 });

    clock.set(T0 + 1);
    expect(compareIds(before, await gen.next())).toBe(-1);
  });

  it('rejects a bad worker id and a clock before the epoch', async () => {
    for (const workerId of [-1, 1024, 1.5, Number.NaN]) {
      expect(() => new SnowflakeGenerator({ workerId })).toThrow(/worker id must be an integer 0\.\.1023/);
    }
    const gen = new SnowflakeGenerator({ workerId: 0, clock: new ManualClock(CHATLAB_EPOCH_MS - 1) });
    await expect(gen.next()).rejects.toMatchObject({ code: ErrorCodes.CONFIG });
  });
});

describe('id helpers', () => {
  it('isSnowflakeString accepts canonical decimals below 2^63 only', () => {
    for (const ok of ['0', '1', '123456789', '9223372036854775807']) expect(isSnowflakeString(ok)).toBe(true);
    for (const bad of ['', '01', '-1', '1.0', ' 1', '1e5', 'abc', '9223372036854775808', '99999999999999999999', 12, null]) {
      expect(isSnowflakeString(bad)).toBe(false);
    }
  });

  it('parseSnowflake rejects non-ids with BAD_REQUEST', () => {
    expect(() => parseSnowflake('007')).toThrow(expect.objectContaining({ code: ErrorCodes.BAD_REQUEST }));
  });

  it('compareIds orders by numeric value', () => {
    expect(compareIds('9', '10')).toBe(-1);
    expect(compareIds('10', '9')).toBe(1);
    expect(compareIds('123', '123')).toBe(0);
    expect(compareIds('122', '123')).toBe(-1);
    const ids = ['100', '2', '99', '1000', '0'];
    expect([...ids].sort(compareIds)).toEqual(['0', '2', '99', '100', '1000']);
  });

  it('snowflakeFromTime is the lowest id of its ms', async () => {
    const clock = new ManualClock(T0);
    const gen = new SnowflakeGenerator({ workerId: 1023, clock });
    clock.set(T0 - 1);
    const earlier = await gen.next();
    clock.set(T0);
    const atT0 = await gen.next();
    const floor = snowflakeFromTime(T0);
    expect(parseSnowflake(floor)).toEqual({ timestampMs: T0, workerId: 0, sequence: 0 });
    expect(compareIds(earlier, floor)).toBe(-1);
    expect(compareIds(floor, atT0)).toBe(-1);
    expect(snowflakeFromTime(CHATLAB_EPOCH_MS - 1000)).toBe('0');
    expect(() => snowflakeFromTime(Number.NaN)).toThrow(ChatlabError);
  });
});

describe('SNOWFLAKE_MS_DIVISOR', () => {
  it('turns an id into its milliseconds without bigint, as parseSnowflake does', async () => {
    const { SNOWFLAKE_MS_DIVISOR, CHATLAB_EPOCH_MS, parseSnowflake, snowflakeFromTime } = await import('./snowflake.js');
    const at = Date.UTC(2026, 11, 4, 22, 50, 1, 234);
    const id = snowflakeFromTime(at);
    expect(Math.floor(Number(id) / SNOWFLAKE_MS_DIVISOR) + CHATLAB_EPOCH_MS).toBe(parseSnowflake(id).timestampMs);
    expect(parseSnowflake(id).timestampMs).toBe(at);
  });
});

import { describe, expect, it } from 'vitest';
import { snowflakeFromTime } from '../core/index.js';
import { clampReadId } from './read-clamp.js';

const stream = (entries: Array<[string, string[]]>) => ({ xrevrange: async () => entries }) as never;
const entry = (messageId: string): [string, string[]] => [`${messageId}-0`, ['m', JSON.stringify({ messageId }), 'p', '']];

describe('clampReadId', () => {
  it('clamps a watermark above the last published id down to it', async () => {
    expect(await clampReadId(stream([entry('5000')]), 'k', '9223372036854775807')).toBe('5000');
    expect(await clampReadId(stream([entry('5000')]), 'k', '4999')).toBe('4999');
    expect(await clampReadId(stream([entry('5000')]), 'k', '5000')).toBe('5000');
  });

  it('without a stream, clamps to the highest id a clock could have issued by now', async () => {
    const now = Date.UTC(2026, 0, 1);
    const got = await clampReadId(stream([]), 'k', '9223372036854775807', now);
    expect(got).toBe(snowflakeFromTime(now + 5001));
    expect(await clampReadId(stream([]), 'k', '42', now)).toBe('42');
  });
});

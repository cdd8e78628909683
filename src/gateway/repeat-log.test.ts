import { describe, expect, it } from 'vitest';
import { RepeatLog } from './repeat-log.js';

describe('RepeatLog', () => {
  it('writes a line once per window and then how often it repeated', () => {
    const out: string[] = [];
    const log = new RepeatLog((l) => out.push(l), 1000);
    for (let i = 0; i < 500; i++) log.line('unavailable: no lease');
    log.line('other');
    expect(out).toEqual(['unavailable: no lease', 'other']);
    log.flush();
    expect(out).toEqual(['unavailable: no lease', 'other', 'unavailable: no lease (repeated 499 more times in 1 s)']);
    log.line('unavailable: no lease');
    expect(out.at(-1)).toBe('unavailable: no lease');
    log.flush();
  });
});

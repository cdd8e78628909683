import { describe, expect, it } from 'vitest';
import { sourceAddress } from './worker.js';

describe('sourceAddress', () => {
  it('leaves the first address to the kernel (no bind), then moves to 127.0.0.2, .3…', () => {
    expect(sourceAddress(0, 20_000)).toBeUndefined();
    expect(sourceAddress(19_999, 20_000)).toBeUndefined();
    expect(sourceAddress(20_000, 20_000)).toBe('127.0.0.2');
    expect(sourceAddress(45_000, 20_000)).toBe('127.0.0.3');
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { RefusalGate, resendDelayMs } from './refusal-gate.js';

afterEach(() => vi.useRealTimers());

describe('RefusalGate', () => {
  it('probes with one refused send after a delay, and sends the rest on the next ack', () => {
    vi.useFakeTimers();
    const sent: string[] = [];
    const gate = new RefusalGate((id) => (sent.push(id), true), () => 0.5);
    for (const id of ['a', 'b', 'c']) gate.refused(id);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(resendDelayMs(3, () => 0.5));
    expect(sent).toEqual(['a']); // one probe, not three
    gate.accepted();
    expect(sent).toEqual(['a', 'b', 'c']);
  });

  it('skips sends acked meanwhile when it picks the probe', () => {
    vi.useFakeTimers();
    const sent: string[] = [];
    const gate = new RefusalGate((id) => id !== 'a' && (sent.push(id), true), () => 0);
    gate.refused('a');
    gate.refused('b');
    vi.advanceTimersByTime(10_000);
    expect(sent).toEqual(['b']);
  });

  it('waits longer after each refusal in a row, up to 8 s', () => {
    expect(resendDelayMs(1, () => 0.999)).toBeLessThanOrEqual(500);
    expect(resendDelayMs(2, () => 0.999)).toBeGreaterThan(500);
    expect(resendDelayMs(20, () => 0.999)).toBeLessThanOrEqual(8000);
    expect(resendDelayMs(20, () => 0)).toBe(4000);
  });
});

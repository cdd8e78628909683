import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OffsetClock, clockOffsetFile, readClockOffsetMs, writeClockOffsetMs } from './clock-offset.js';

describe('clock offset (the clock-skew fault)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chatlab-clock-'));
  const file = clockOffsetFile(path.join(dir, 'gateway-1.json'));

  it('lives beside the config file; no file means true time', () => {
    expect(file).toBe(path.join(dir, 'gateway-1.clock-offset'));
    expect(readClockOffsetMs(file)).toBe(0);
  });

  it('reads back what was written, and the clock moves by it', () => {
    writeClockOffsetMs(file, -3000);
    expect(readClockOffsetMs(file)).toBe(-3000);
    const clock = new OffsetClock();
    clock.offsetMs = readClockOffsetMs(file);
    expect(Date.now() - clock.now()).toBeGreaterThanOrEqual(2990);
    expect(Date.now() - clock.now()).toBeLessThanOrEqual(3010);
  });

  it('refuses what is not an integer of ms within a day, with CHATLAB_E_CONFIG', () => {
    fs.writeFileSync(file, '3s\n');
    expect(() => readClockOffsetMs(file)).toThrow(/integer of ms/);
    expect(() => writeClockOffsetMs(file, 2 * 86_400_000)).toThrow(expect.objectContaining({ code: 'CHATLAB_E_CONFIG' }));
  });
});

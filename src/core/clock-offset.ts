import fs from 'node:fs';
import { systemClock, type Clock } from './clock.js';
import { ChatlabError, ErrorCodes } from './errors.js';

/** A clock-skew fault steps a clock by at most a day (beyond it the fault is a typo). */
export const MAX_CLOCK_OFFSET_MS = 86_400_000;

/**
 * The system clock moved by an offset that may change while the process runs: the
 * reconnect-race `clock-skew` fault steps one gateway's clock as NTP would, without root and
 * without libfaketime. Only the gateway's ids and its id-order waits read it.
 */
export class OffsetClock implements Clock {
  offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
  sleep(ms: number): Promise<void> {
    return systemClock.sleep(ms);
  }
}

/** Where a service's clock offset is kept: beside its config file (`gateway-1.json` → `gateway-1.clock-offset`). */
export function clockOffsetFile(configFile: string): string {
  return configFile.replace(/\.json$/, '') + '.clock-offset';
}

/** The offset in the file (ms, an integer within a day either way); no file is 0. Throws CHATLAB_E_CONFIG. */
export function readClockOffsetMs(file: string): number {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').trim();
  } catch {
    return 0;
  }
  const ms = Number(text);
  if (!/^-?\d+$/.test(text) || Math.abs(ms) > MAX_CLOCK_OFFSET_MS) {
    throw new ChatlabError(ErrorCodes.CONFIG, `${file}: clock offset must be an integer of ms within ±${MAX_CLOCK_OFFSET_MS}, got ${JSON.stringify(text.slice(0, 40))}`);
  }
  return ms;
}

export function writeClockOffsetMs(file: string, ms: number): void {
  if (!Number.isInteger(ms) || Math.abs(ms) > MAX_CLOCK_OFFSET_MS) throw new ChatlabError(ErrorCodes.CONFIG, `clock offset must be an integer of ms within ±${MAX_CLOCK_OFFSET_MS}, got ${ms}`);
  fs.writeFileSync(file, `${ms}\n`, { mode: 0o600 });
}

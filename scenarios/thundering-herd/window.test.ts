import { describe, expect, it } from 'vitest';
import { watchDeadline } from './window.js';

const w = { faultAt: 1_000_000, recoverSec: 45, clients: 20_000 };

describe('how long the herd is watched', () => {
  it('is recoverSec from the fault when the survivors can hold every client', () => {
    expect(watchDeadline({ ...w, room: 20_000, restartedAt: 1_013_000 })).toBe(1_045_000);
    expect(watchDeadline({ ...w, room: null, restartedAt: 1_013_000 })).toBe(1_045_000);
  });

  it('is recoverSec from the restart when some clients had no room until the victim came back', () => {
    expect(watchDeadline({ ...w, room: 19_975, restartedAt: 1_013_000 })).toBe(1_058_000);
    // not restarted (yet): from the fault
    expect(watchDeadline({ ...w, room: 19_975, restartedAt: null })).toBe(1_045_000);
  });
});

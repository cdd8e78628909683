/** The bench's one time origin, shared with its load processes (they get it in `init`). */
export const sleep = (msDelay: number) => new Promise((r) => setTimeout(r, msDelay));
export const epochMs = Date.now();
export const sinceEpoch = () => Date.now() - epochMs;
export const sleepUntil = (tMs: number) => sleep(Math.max(0, tMs - sinceEpoch()));

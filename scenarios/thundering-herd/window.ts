/**
 * How long the herd is watched. Clients the survivors have no room for (their open-files limits,
 * see open-files.ts) can only come back once the victim is up again, so when the survivors cannot
 * hold every client the `recoverSec` they are given starts at the victim's restart, not at the
 * fault: otherwise a slow restart, or a backoff cap close to the window, fails the run however
 * the clients behave.
 */
export interface WatchWindow {
  faultAt: number;
  recoverSec: number;
  /** Clients the survivors can hold (null: unknown, not a local process). */
  room: number | null;
  clients: number;
  /** When the restarted victim answered healthy (null: not yet, or never in the window). */
  restartedAt: number | null;
}

export function watchDeadline(w: WatchWindow): number {
  const fromFault = w.faultAt + w.recoverSec * 1000;
  const waitsForRestart = w.room !== null && w.room < w.clients;
  return waitsForRestart && w.restartedAt !== null ? Math.max(fromFault, w.restartedAt + w.recoverSec * 1000) : fromFault;
}

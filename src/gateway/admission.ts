import { errorMessage } from '../core/index.js';
import { RepeatLog } from './repeat-log.js';
import type { Router } from './router.js';

/** Reads of a user's groups an admission tries while member changes of theirs keep coming. */
export const ADMIT_READS = 5;

export interface AdmissionDeps {
  router: Pick<Router, 'tryReserve' | 'routeReserved' | 'release' | 'changesOf'>;
  /** Sockets per user on this gateway (`maxConnectionsPerUser`). */
  cap: number;
  /** The user's conversations routed on their group channel, as they are now. */
  largeGroupsOf(userId: string): Promise<string[]>;
  draining(): boolean;
  log(line: string): void;
}

const logs = new WeakMap<AdmissionDeps['log'], RepeatLog>();

/**
 * A new connection of the user, WebSocket or long poll: within the per-user cap, subscribed
 * before it opens (so it is routable once the client sees it). A refusal status, or null once
 * reserved (then `opened` or `router.release` follows).
 * - The cap is checked and the place taken in one synchronous step: 60 upgrades at once for one
 *   user cannot all pass the check before any of them is counted.
 * - The user's groups are read across an await: a member change of theirs handled meanwhile
 *   (a "left" whose unrouting found nothing to remove yet, a "joined" that found no socket to
 *   route) would be undone by the older read, so the groups are read again.
 * - Whatever fails after the place was taken gives it back before the 503.
 */
export async function admitUser(deps: AdmissionDeps, userId: string): Promise<number | null> {
  const { router } = deps;
  if (!router.tryReserve(userId, deps.cap)) return 429;
  try {
    let groups: string[] | undefined;
    for (let attempt = 0; attempt < ADMIT_READS && groups === undefined; attempt++) {
      const seen = router.changesOf(userId);
      const read = await deps.largeGroupsOf(userId);
      if (router.changesOf(userId) === seen) groups = read;
    }
    if (groups === undefined) throw new Error("the user's groups kept changing");
    await router.routeReserved(userId, groups);
  } catch (err) {
    let log = logs.get(deps.log);
    if (!log) logs.set(deps.log, (log = new RepeatLog(deps.log)));
    log.line(`a connection could not be routed (503): ${errorMessage(err)}`);
    router.release(userId);
    return 503;
  }
  if (deps.draining()) {
    router.release(userId);
    return 503;
  }
  return null;
}

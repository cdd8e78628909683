import { MembershipTimeline, type MembershipHistory, type MemberRow } from '../../src/scenario/index.js';

/** Routing a conversation of this size gets under hybrid routing: the group channel above the threshold. */
export const routedBy = (size: number, threshold: number): 'inbox' | 'group' => (size > threshold ? 'group' : 'inbox');

export interface NextChange {
  change: 'joined' | 'left';
  userId: string;
  /** Who asks (a member: v1 has no roles). */
  by: string;
}

/**
 * The next change of a churning group: its size walks between `min` and `max`, stepping
 * toward the far end more often than back, so a walk spanning the threshold crosses it again
 * and again. The joiner is anyone not a member; the leaver and the caller any member.
 */
export function nextChange(members: readonly string[], everyone: readonly string[], bounds: { min: number; max: number }, rnd: () => number): NextChange {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const outsiders = everyone.filter((u) => !members.includes(u));
  const grow = outsiders.length > 0 && (members.length <= bounds.min || (members.length < bounds.max && rnd() < 0.5));
  if (grow) return { change: 'joined', userId: pick(outsiders), by: pick(members) };
  const userId = pick(members);
  return { change: 'left', userId, by: rnd() < 0.5 ? userId : pick(members.filter((m) => m !== userId)) };
}

/**
 * Time from the request to the last member frame of that change, per change (ms): when every
 * member, on whichever gateway, had heard of it. A change some expected member never heard of
 * (its socket was down) is left out rather than timed short.
 */
export function effectiveMs(
  requests: ReadonlyArray<{ messageId: string; requestedAt: number; audience: readonly string[] }>,
  frames: readonly MemberRow[],
): number[] {
  const heard = new Map<string, Map<string, number>>();
  for (const f of frames) {
    const by = heard.get(f.id) ?? new Map<string, number>();
    by.set(f.r, Math.min(by.get(f.r) ?? Infinity, f.t));
    heard.set(f.id, by);
  }
  return requests.flatMap((r) => {
    const by = heard.get(r.messageId);
    if (!by || !r.audience.every((u) => by.has(u))) return [];
    return [Math.max(0, Math.max(...r.audience.map((u) => by.get(u)!)) - r.requestedAt)];
  });
}

/**
 * How many (acked message × user) pairs the leak check judged in a conversation where that
 * user was a member before or after but not at the message: a run with none proves nothing
 * about leaks.
 */
export function leakChances(membership: MembershipHistory, acked: ReadonlyArray<{ conversationId: string; messageId: string; senderId: string }>): number {
  const timeline = new MembershipTimeline(membership);
  let n = 0;
  for (const m of acked) {
    const t = membership[m.conversationId];
    if (!t) continue;
    const ever = new Set([...t.founders, ...t.changes.map((c) => c.userId)]);
    for (const u of ever) if (u !== m.senderId && !timeline.isMember(m.conversationId, u, m.messageId)) n++;
  }
  return n;
}

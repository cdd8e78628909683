import type { Rng } from '../../src/core/index.js';
import type { SendRow } from '../../src/scenario/index.js';
import { SEARCH_COMMON_WORD, searchTokenOf } from '../../src/scenario/index.js';

/**
 * What the search scenario asks and how it judges the answers, the same for both kinds of
 * search: each acked message must be found by its unique token, a searcher must never get a
 * hit from a conversation they are not in, and after a reconnect a user must find what was
 * sent while they were away.
 */
export interface Probe {
  userId: string;
  q: string;
  /** found: `expect` must be among the hits; offline: the same, for a message sent while the user was away; leak: no hit may come back; common: many hits, all in the user's conversations. */
  kind: 'found' | 'offline' | 'leak' | 'common';
  expect?: string;
}

export interface Answer {
  hits: Array<{ c: string; id: string }>;
  ms: number;
}

export interface ProbePlan {
  sends: readonly SendRow[];
  members: ReadonlyMap<string, readonly string[]>;
  /** Local: every member's own store must hold each message; cloud: one member searching is enough. */
  everyMember: boolean;
  offline: { users: readonly string[]; fromMs: number; toMs: number } | null;
  /** At most this many non-member searches for other people's tokens. */
  leakProbes: number;
  rng: Rng;
}

export function planProbes(p: ProbePlan): Probe[] {
  const acked = p.sends.filter((s) => s.id);
  const probes: Probe[] = [];
  const everyone = [...new Set([...p.members.values()].flat())];
  for (const s of acked) {
    const members = p.members.get(s.c) ?? [];
    const q = searchTokenOf(s.m);
    if (p.everyMember) for (const u of members) probes.push({ userId: u, q, kind: 'found', expect: s.id! });
    else if (members.length > 0) probes.push({ userId: members[Math.floor(p.rng.next() * members.length)]!, q, kind: 'found', expect: s.id! });
  }
  if (p.offline) {
    const away = new Set(p.offline.users);
    for (const s of acked) {
      if (s.t < p.offline.fromMs || s.t > p.offline.toMs) continue;
      for (const u of p.members.get(s.c) ?? []) if (away.has(u) && u !== s.s) probes.push({ userId: u, q: searchTokenOf(s.m), kind: 'offline', expect: s.id! });
    }
  }
  for (let i = 0; i < p.leakProbes && acked.length > 0; i++) {
    const s = acked[Math.floor(p.rng.next() * acked.length)]!;
    const members = new Set(p.members.get(s.c) ?? []);
    const outsiders = everyone.filter((u) => !members.has(u));
    if (outsiders.length === 0) break;
    probes.push({ userId: outsiders[Math.floor(p.rng.next() * outsiders.length)]!, q: searchTokenOf(s.m), kind: 'leak' });
  }
  for (const u of everyone) probes.push({ userId: u, q: SEARCH_COMMON_WORD, kind: 'common' });
  return probes;
}

export interface ProbeTally {
  searchChecked: number;
  searchLost: number;
  offlineChecked: number;
  offlineMissed: number;
  leakProbes: number;
  /** Hits from a conversation the searcher is not in, over every probe. */
  leaks: number;
  /** Probes a `common` search answered with no hit at all (the word is in every body). */
  commonEmpty: number;
}

/** Judges each answer (same order as the probes); `conversationsOf` is the truth about membership. */
export function tallyProbes(probes: readonly Probe[], answers: readonly Answer[], conversationsOf: (userId: string) => ReadonlySet<string>): ProbeTally {
  const t: ProbeTally = { searchChecked: 0, searchLost: 0, offlineChecked: 0, offlineMissed: 0, leakProbes: 0, leaks: 0, commonEmpty: 0 };
  probes.forEach((p, i) => {
    const hits = answers[i]?.hits ?? [];
    const mine = conversationsOf(p.userId);
    t.leaks += hits.filter((h) => !mine.has(h.c)).length;
    const found = hits.some((h) => h.id === p.expect);
    if (p.kind === 'found') {
      t.searchChecked++;
      if (!found) t.searchLost++;
    } else if (p.kind === 'offline') {
      t.offlineChecked++;
      if (!found) t.offlineMissed++;
    } else if (p.kind === 'leak') t.leakProbes++;
    else if (hits.length === 0 && mine.size > 0) t.commonEmpty++;
  });
  return t;
}

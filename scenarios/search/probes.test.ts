import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/core/index.js';
import { SEARCH_COMMON_WORD, searchTokenOf, type SendRow } from '../../src/scenario/index.js';
import { planProbes, tallyProbes, type Answer } from './probes.js';

const members = new Map([
  ['c1', ['a', 'b']],
  ['c2', ['c', 'd']],
]);
const convsOf = (u: string) => new Set([...members].filter(([, m]) => m.includes(u)).map(([c]) => c));
const send = (s: string, c: string, m: string, t: number, id?: string): SendRow => ({ s, c, m, i: t, t, ...(id ? { id, a: t + 1 } : {}) });

describe('search probes', () => {
  const sends = [send('a', 'c1', 'a.1', 100, '11'), send('c', 'c2', 'c.1', 200, '21'), send('a', 'c1', 'a.2', 300)];

  it('asks for every acked message (every member locally, one member in the cloud), offline users, outsiders and the common word', () => {
    const local = planProbes({ sends, members, everyMember: true, offline: { users: ['b'], fromMs: 50, toMs: 150 }, leakProbes: 4, rng: createRng(1) });
    const found = local.filter((p) => p.kind === 'found');
    expect(found.map((p) => `${p.userId}:${p.expect}`).sort()).toEqual(['a:11', 'b:11', 'c:21', 'd:21']); // the unacked a.2 is not asked for
    expect(found[0]!.q).toBe(searchTokenOf('a.1'));
    expect(local.filter((p) => p.kind === 'offline')).toEqual([{ userId: 'b', q: searchTokenOf('a.1'), kind: 'offline', expect: '11' }]);
    const leaks = local.filter((p) => p.kind === 'leak');
    expect(leaks).toHaveLength(4);
    for (const l of leaks) expect(convsOf(l.userId).has(l.q === searchTokenOf('a.1') ? 'c1' : 'c2')).toBe(false);
    expect(local.filter((p) => p.kind === 'common').map((p) => p.q)).toEqual(Array(4).fill(SEARCH_COMMON_WORD));
    const cloud = planProbes({ sends, members, everyMember: false, offline: null, leakProbes: 0, rng: createRng(1) });
    expect(cloud.filter((p) => p.kind === 'found')).toHaveLength(2);
  });

  it('counts a missed message as lost and any hit outside the searcher\'s conversations as a leak', () => {
    const probes = planProbes({ sends, members, everyMember: false, offline: { users: ['b'], fromMs: 50, toMs: 150 }, leakProbes: 1, rng: createRng(2) });
    const right: Answer[] = probes.map((p) => ({ hits: p.expect ? [{ c: p.expect === '11' ? 'c1' : 'c2', id: p.expect }] : [], ms: 1 }));
    // the common word finds something for everyone
    probes.forEach((p, i) => p.kind === 'common' && (right[i] = { hits: [{ c: [...convsOf(p.userId)][0]!, id: 'x' }], ms: 1 }));
    expect(tallyProbes(probes, right, convsOf)).toEqual({ searchChecked: 2, searchLost: 0, offlineChecked: 1, offlineMissed: 0, leakProbes: 1, leaks: 0, commonEmpty: 0 });

    const wrong = right.map((a) => ({ ...a }));
    const lostAt = probes.findIndex((p) => p.kind === 'found');
    wrong[lostAt] = { hits: [], ms: 1 };
    const leakAt = probes.findIndex((p) => p.kind === 'leak');
    const outsider = probes[leakAt]!.userId;
    wrong[leakAt] = { hits: [{ c: convsOf(outsider).has('c1') ? 'c2' : 'c1', id: '99' }], ms: 1 };
    const t = tallyProbes(probes, wrong, convsOf);
    expect(t.searchLost).toBe(1);
    expect(t.leaks).toBe(1);
  });
});

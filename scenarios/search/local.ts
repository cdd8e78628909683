import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalStore } from '../../src/client/index.js';
import type { LoadPool, LocalQuery } from '../../src/scenario/index.js';
import type { Answer, Probe } from './probes.js';

/** Local search: each probe is asked of the searcher's own phone (its SQLite store, in its load worker). */
export async function localAnswers(pool: LoadPool, probes: readonly Probe[]): Promise<Answer[]> {
  const queries: LocalQuery[] = probes.map((p, n) => ({ n, userId: p.userId, q: p.q }));
  const users = [...new Set(queries.map((q) => q.userId))];
  const replies = await pool.ask(users, (us) => {
    const mine = new Set(us);
    return { type: 'local-search', queries: queries.filter((q) => mine.has(q.userId)) };
  }, 'local-results');
  const answers: Answer[] = probes.map(() => ({ hits: [], ms: -1 }));
  for (const r of replies) for (const a of r.results) answers[a.n] = { hits: a.hits, ms: a.ms };
  return answers;
}

/** The size of a store with nothing in it (schema pages), so per-message bytes are not inflated by it. */
export function emptyStoreBytes(): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chatlab-empty-store-'));
  try {
    const s = LocalStore.openEmpty(path.join(dir, 'empty.sqlite'));
    const bytes = s.bytes();
    s.close();
    return bytes;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Every phone's store: bytes per 10k messages above the empty store, and the client's time to add and index one. */
export async function storeFigures(pool: LoadPool): Promise<{ bytesPer10k: number; indexMsPerMsg: number; messages: number }> {
  const stores = (await pool.ask('all', () => ({ type: 'local-stats' }), 'local-stats')).flatMap((r) => r.stores);
  const empty = emptyStoreBytes();
  const messages = stores.reduce((s, x) => s + x.messages, 0);
  const bytes = stores.reduce((s, x) => s + Math.max(0, x.bytes - empty), 0);
  const added = stores.reduce((s, x) => s + x.added, 0);
  const addMs = stores.reduce((s, x) => s + x.addMs, 0);
  return { bytesPer10k: messages > 0 ? Math.round((bytes / messages) * 10_000) : 0, indexMsPerMsg: added > 0 ? addMs / added : 0, messages };
}

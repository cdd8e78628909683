import { LocalStore, rebuildFromSync } from '../../client/index.js';
import type { EngineToWorker, LocalQuery, LocalQueryResult, LocalReply, LocalStoreStats } from './protocol.js';
import { storeFile, type LoadWorker } from './worker.js';

type Init = Extract<EngineToWorker, { type: 'init' }>;

/** The local-search side of a load worker: searches, store sizes and new-phone rebuilds of its clients. */
export function localSearch(worker: LoadWorker, queries: readonly LocalQuery[]): LocalQueryResult[] {
  return queries.map(({ n, userId, q, conversationId }) => {
    const store = worker.client(userId)?.localStore;
    if (!store) return { n, hits: [], ms: -1 };
    const r = store.search(q, { limit: 100, ...(conversationId ? { conversationId } : {}) });
    return { n, hits: r.hits.map((h) => ({ c: h.conversationId, id: h.messageId })), ms: r.ms };
  });
}

export function localStats(worker: LoadWorker): LocalStoreStats[] {
  return worker.all.flatMap((c) => {
    const s = c.localStore;
    return s ? [{ userId: c.userId, messages: s.count(), bytes: s.bytes(), added: s.stats.added, addMs: s.stats.addMs }] : [];
  });
}

/**
 * Each user moves to a new phone, one after another: an empty store in a new file, filled by
 * sync over a connection of its own and reindexed; the client keeps using the new store.
 */
export async function newPhones(worker: LoadWorker, init: Init, users: readonly string[]): Promise<Extract<LocalReply, { type: 'rebuilt' }>['results']> {
  const out: Extract<LocalReply, { type: 'rebuilt' }>['results'] = [];
  for (const userId of users) {
    const client = worker.client(userId);
    const spec = init.clients.find((c) => c.userId === userId);
    if (!client || !spec || !init.localStoreDir) continue;
    const store = LocalStore.openEmpty(storeFile(init.localStoreDir, `${userId}.new-phone`));
    const gateway = init.gateways[spec.gatewayIndex % init.gateways.length]!;
    try {
      const result = await rebuildFromSync({ gateway, token: spec.token, conversations: spec.conversations, store });
      const old = client.localStore;
      client.useLocalStore(store);
      old?.close();
      out.push({ userId, ...result });
    } catch (err) {
      store.close();
      out.push({ userId, messages: 0, syncMs: 0, reindexMs: 0, syncBytes: 0, storeBytes: 0, syncPages: 0, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return out;
}

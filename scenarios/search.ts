import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { createRng } from '../src/core/index.js';
import { searchTokenOf, type LoadPool, type ScenarioContext, type ScenarioDefinition, type SendRow } from '../src/scenario/index.js';
import { readState } from '../src/stack/index.js';
import { chunk, clientsFor, userIds } from './common.js';
import { faults } from './faults.js';
import { CloudSearcher, indexStats } from './search/cloud.js';
import { IndexerWindow } from './search/indexer-window.js';
import { searchFinding } from './search/finding.js';
import { localAnswers, storeFigures } from './search/local.js';
import { planProbes, tallyProbes, type Answer, type Probe } from './search/probes.js';

const params = z.object({
  where: z.enum(['local', 'cloud']).default('cloud'),
  users: z.coerce.number().int().min(6).max(5000).default(24),
  groupSize: z.coerce.number().int().min(3).max(200).default(4),
  ratePerSec: z.coerce.number().min(1).default(30),
  durationSec: z.coerce.number().min(4).default(12),
  /** Users that disconnect a quarter into the flow and come back three quarters in. */
  offlineFraction: z.coerce.number().min(0).max(0.9).default(0.25),
  fault: faults.param('search', 'none'),
  /** Messages the new-phone user sends before the flow: their history is this plus their share of the flow. */
  rebuildMessages: z.coerce.number().int().min(0).max(200_000).default(1000),
  leakProbes: z.coerce.number().int().min(0).max(100_000).default(200),
  bodyBytes: z.coerce.number().int().min(40).max(4000).default(150),
  workers: z.coerce.number().int().min(1).max(16).default(2),
});
type Params = z.infer<typeof params>;

const FINDING =
  'Choose cloud search when one index must serve every device at once and a new phone must search at once (no rebuild); choose local search when messages are end-to-end encrypted (the server cannot index ciphertext) or search must work offline — each phone then pays its own store and a rebuild when it moves.';

/**
 * The same chat load, searched two ways: in the cloud (Kafka → indexer → OpenSearch, `GET
 * /v1/search`) and on the phone (each client's SQLite FTS5 store). Every acked message must be
 * found by its own token, nobody may see another conversation's message, and a user who was
 * offline finds what was sent meanwhile; stopping the engine or the indexer loses nothing.
 */
export const scenario: ScenarioDefinition<Params> = {
  name: 'search',
  description: `Cloud search (Kafka → OpenSearch) vs local search (SQLite FTS5 on each phone): lag, query time, CPU and bytes. ${FINDING}`,
  params,
  defaultSets: { where: ['local', 'cloud'] },
  thresholds: (p) => [
    'searchLost == 0', 'leaks == 0', 'searchChecked > 0', 'leakProbes > 0',
    ...(p.offlineFraction > 0 ? ['offlineMissed == 0', 'offlineChecked > 0'] : []),
    ...(p.where === 'local' ? ['rebuildLost == 0', 'rebuildMessages > 0'] : []),
    'lost == 0', 'duplicates == 0', 'peakConnections > 0', 'acked > 0', 'delivered > 0',
  ],
  choiceDocs: { fault: faults.docs('search') },
  cannotRun: (p, stack) => faults.unmet(p.fault, stack),
  paramDocs: {
    where: 'cloud: GET /v1/search (indexer → OpenSearch); local: each client searches its own SQLite FTS5 store',
    users: 'simulated users', groupSize: 'members per conversation', ratePerSec: 'messages per second in total', durationSec: 'how long messages flow',
    offlineFraction: 'fraction of users offline for the middle half of the flow',
    fault: 'what stops half-way and returns: the search engine or the indexer',
    rebuildMessages: 'messages the new-phone user sends before the flow (local: rebuilt from sync afterwards)',
    leakProbes: 'searches by non-members for other conversations\' tokens', bodyBytes: 'message body size', workers: 'load worker processes',
  },
  measures: {
    searchChecked: 'searches for an acked message by its unique token', searchLost: 'of those, not found', leaks: 'hits from a conversation the searcher is not in',
    leakProbes: 'non-member searches', offlineChecked: 'searches, after reconnecting, for messages sent while offline', offlineMissed: 'of those, not found',
    queryP50Ms: 'query time p50 (cloud: HTTP round trip; local: SQLite)', queryP99Ms: 'query time p99',
    indexLagP50Ms: 'cloud: send → searchable p50 (indexer histogram)', indexLagP99Ms: 'cloud: send → searchable p99',
    cpuMsPerIndexed: 'cloud: indexer + engine CPU per indexed message above idle (ms)', indexBytesPer10k: 'cloud: OpenSearch store bytes per 10k messages',
    searchUnavailable: 'cloud: 503 answers while asking', storeBytesPer10k: 'local: SQLite bytes per 10k messages (above an empty store)',
    localIndexMsPerMsg: 'local: client time to store and index one message (ms)', rebuildMessages: 'local: messages of the new-phone user',
    rebuildMs: 'local: new-phone rebuild, sync + reindex (ms)', rebuildReindexMs: 'local: of which reindex (ms)', rebuildSyncBytes: 'local: sync_result bytes downloaded',
    rebuildStoreBytes: 'local: the new store on disk', rebuildLost: 'local: the user\'s messages the new phone cannot find',
  },
  better: { searchChecked: 'higher', leakProbes: 'higher', offlineChecked: 'higher', rebuildMessages: 'higher' },
  finding: searchFinding,
  async run(ctx, p) {
    const local = p.where === 'local';
    const users = userIds(ctx.prefix, p.users);
    const convs = await ctx.createConversations(chunk(users, p.groupSize));
    const members = new Map(convs.map((c) => [c.conversationId, c.members]));
    const convsOf = new Map(users.map((u) => [u, new Set(convs.filter((c) => c.members.includes(u)).map((c) => c.conversationId))]));
    const of = (u: string) => convsOf.get(u) ?? new Set<string>();
    const storeDir = local ? path.join(ctx.stateDir, 'local-search', ctx.prefix) : undefined;
    const pool = await ctx.startClients(clientsFor(users, convs), { workers: p.workers, searchBodies: true, bodyBytes: p.bodyBytes, ...(storeDir ? { localStoreDir: storeDir } : {}) });
    try {
      ctx.phase(`connect ${p.users} clients (${local ? 'each with its own SQLite store' : 'searching the cloud'})`);
      await pool.all({ type: 'connect', perSecond: 500 });
      const window = await IndexerWindow.open(ctx);
      const phoneUser = users[0]!;
      if (p.rebuildMessages > 0) {
        ctx.phase(`${phoneUser} sends ${p.rebuildMessages} messages (the history a new phone rebuilds)`);
        const conv = [...of(phoneUser)][0]!;
        for (let left = p.rebuildMessages; left > 0; left -= 100) {
          await pool.to(phoneUser, { type: 'send', userId: phoneUser, conversationId: conv, count: Math.min(100, left) });
          await ctx.sleep(600);
        }
      }
      const quarter = (p.durationSec * 1000) / 4;
      const nOffline = Math.round(p.users * p.offlineFraction);
      // spread over the groups: every k-th user (never the new-phone user)
      const offline = nOffline === 0 ? [] : users.slice(1).filter((_, i) => i % Math.max(1, Math.floor((p.users - 1) / nOffline)) === 0).slice(0, nOffline);
      ctx.phase(`${p.ratePerSec} msg/s for ${p.durationSec} s; ${offline.length} users offline in the middle${p.fault === 'none' ? '' : `; ${p.fault} half-way`}`);
      await pool.all({ type: 'rate', perSecond: p.ratePerSec / p.workers });
      await ctx.sleep(quarter);
      const offFrom = Date.now();
      await pool.toUsers(offline, (us) => ({ type: 'disconnect', users: us }));
      await ctx.sleep(quarter);
      const repair = await faults.inject(ctx, p.fault);
      await ctx.sleep(quarter);
      await repair();
      const offTo = Date.now();
      await pool.toUsers(offline, (us) => ({ type: 'reconnect', users: us }));
      await ctx.sleep(quarter);
      ctx.phase('quiesce: stop sending, everyone reconnected and synced');
      await ctx.quiesce(pool, 90_000);
      const caughtUp = await window.close(ctx);
      if (!caughtUp) ctx.info('the indexer did not catch up within 120 s');
      const { checker, collected } = await ctx.check(pool);
      const sends = collected.flatMap((w) => w.sends);

      ctx.phase(`search every acked message by its token (${local ? 'each member\'s phone' : 'GET /v1/search'}), non-members, and the users who were offline`);
      const probes = planProbes({ sends, members, everyMember: local, offline: offline.length > 0 ? { users: offline, fromMs: offFrom, toMs: offTo } : null, leakProbes: p.leakProbes, rng: createRng(ctx.seed).fork('search') });
      const cloud = local ? null : new CloudSearcher(ctx.gateways.map((g) => g.url), readState(ctx.stateDir)!.secret);
      const answers = cloud ? await cloud.run(probes, 30_000) : await localAnswers(pool, probes);
      const tally = tallyProbes(probes, answers, of);
      const q = quantiles(answers);
      ctx.phase(`searched ${probes.length}: lost ${tally.searchLost}, leaks ${tally.leaks}, offline missed ${tally.offlineMissed}/${tally.offlineChecked}`);
      const measures: Record<string, number> = { ...tally, queryP50Ms: q.p50, queryP99Ms: q.p99 };
      delete measures['commonEmpty'];
      if (tally.commonEmpty > 0) ctx.info(`${tally.commonEmpty} users found nothing for the word every body has`);
      if (cloud) {
        Object.assign(measures, window.figures(), { searchUnavailable: cloud.unavailable });
        const stats = await indexStats(ctx.endpoints.search.url);
        if (stats.docs > 0) measures['indexBytesPer10k'] = Math.round((stats.bytes / stats.docs) * 10_000);
      } else {
        const store = await storeFigures(pool);
        measures['storeBytesPer10k'] = store.bytesPer10k;
        measures['localIndexMsPerMsg'] = round3(store.indexMsPerMsg);
        Object.assign(measures, await newPhone(ctx, pool, phoneUser, sends, members));
      }
      ctx.phase(FINDING);
      return { checker, measures };
    } finally {
      await pool.stop();
      if (storeDir) fs.rmSync(storeDir, { recursive: true, force: true });
    }
  },
};

/** The new-phone user moves: empty store, sync, reindex; then every message of theirs must be found on it. */
async function newPhone(ctx: ScenarioContext, pool: LoadPool, user: string, sends: SendRow[], members: Map<string, string[]>): Promise<Record<string, number>> {
  ctx.phase(`${user} moves to a new phone: empty store, sync from the last id (0), reindex`);
  const [r] = (await pool.ask([user], (us) => ({ type: 'new-phone', users: us }), 'rebuilt')).flatMap((x) => x.results);
  if (!r || r.error) throw new Error(`new-phone rebuild of ${user} failed: ${r?.error ?? 'no answer'}`);
  const theirs: Probe[] = sends.filter((s) => s.id && (members.get(s.c) ?? []).includes(user)).map((s) => ({ userId: user, q: searchTokenOf(s.m), kind: 'found', expect: s.id! }));
  const answers = await localAnswers(pool, theirs);
  const lost = theirs.filter((pr, i) => !answers[i]!.hits.some((h) => h.id === pr.expect)).length;
  ctx.phase(`new phone: ${r.messages} messages in ${Math.round(r.syncMs + r.reindexMs)} ms (reindex ${Math.round(r.reindexMs)} ms), ${r.syncBytes} bytes synced, ${theirs.length - lost}/${theirs.length} found`);
  return { rebuildMessages: r.messages, rebuildMs: Math.round(r.syncMs + r.reindexMs), rebuildReindexMs: Math.round(r.reindexMs), rebuildSyncBytes: r.syncBytes, rebuildStoreBytes: r.storeBytes, rebuildLost: lost };
}

function quantiles(answers: readonly Answer[]): { p50: number; p99: number } {
  const ms = answers.map((a) => a.ms).filter((x) => x >= 0).sort((a, b) => a - b);
  const at = (q: number) => (ms.length === 0 ? 0 : round3(ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]!));
  return { p50: at(0.5), p99: at(0.99) };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

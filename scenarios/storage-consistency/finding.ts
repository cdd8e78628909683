import { fmtNum } from '../../src/core/index.js';
import { spreadOf, stated, type FindingHook, type HeadlineChart, type RunResult, type VariantResult } from '../../src/scenario/index.js';

const FAULT_WORDS: Record<string, string> = {
  'kill-cassandra-node': 'killed (kill -9, then restarted)',
  'isolate-cassandra-node': 'cut off (nftables)',
  'pause-cassandra-node': 'paused (SIGSTOP)',
};

const level = (v: VariantResult) => String(v.params['consistency'] ?? '?');
const m = (v: VariantResult, key: string) => v.measures[key] ?? 0;
const isZombie = (v: VariantResult) => v.params['fault'] === 'resurrection';

/** One variant under load: what it acknowledged, refused, lost and showed stale. */
function loadClause(v: VariantResult): string {
  const unknown = m(v, 'faultWritesUnknown');
  const stale = m(v, 'staleReads');
  const deleted = m(v, 'deletedSeen');
  return (
    `${level(v)} acknowledged ${stated(v, 'writeAvailability', '%')} of the writes during the fault ` +
    `(${fmtNum(m(v, 'faultWritesOk'))} ok${m(v, 'faultWritesOk') > m(v, 'faultWritesOkWhileAway') ? `, ${fmtNum(m(v, 'faultWritesOkWhileAway'))} of them before the repair began` : ''}, ${fmtNum(m(v, 'faultWritesFailed'))} refused, ${fmtNum(unknown)} timed out${v.measures['writeP99Ms@fault'] === undefined ? '' : `; p99 ${stated(v, 'writeP99Ms@fault', 'ms')}`}) ` +
    `with ${stale === 0 ? 'no stale read' : `${fmtNum(stale)} stale reads (${stated(v, 'staleReadShare', '%')} of ${fmtNum(m(v, 'readsOk'))}, ${fmtNum(m(v, 'staleReadsAfterHeal'))} after the node was back)`}` +
    `${deleted === 0 ? '' : ` and ${fmtNum(deleted)} deleted messages seen again`}, ackedLost ${fmtNum(m(v, 'ackedLost'))}`
  );
}

function zombieClause(v: VariantResult): string {
  const order = v.params['zombieRepair'] === 'within-grace' ? 'repair inside gc_grace_seconds' : 'repair after the tombstones were purged';
  return (
    `at ${level(v)} with ${order}, ${fmtNum(m(v, 'zombiesBeforeRepair'))} of ${fmtNum(m(v, 'zombieDeletes'))} deleted messages came back ` +
    `(${fmtNum(m(v, 'zombieReads'))} of ${fmtNum(m(v, 'zombieReadsDone'))} reads returned one) and after repair ${fmtNum(m(v, 'zombies'))} were on every replica`
  );
}

/** One bar per variant, labelled short (`QUORUM · isolate`, `ONE · after-grace`): the variants' names do not fit under a bar. */
function shortBars(run: RunResult, key: string, title: string, yLabel: string): HeadlineChart | undefined {
  const faults = new Set(run.variants.map((v) => String(v.params['fault'])));
  const label = (v: VariantResult) => {
    const what = isZombie(v) ? String(v.params['zombieRepair']) : faults.size > 1 ? String(v.params['fault']).replace('-cassandra-node', '') : '';
    return what ? `${level(v)} · ${what}` : level(v);
  };
  const bars = run.variants.flatMap((v) => {
    const s = spreadOf(v, key);
    return s ? [{ label: label(v), value: s.median, ...(s.n > 1 ? { min: s.min, max: s.max } : {}) }] : [];
  });
  return bars.length > 0 ? { kind: 'bars', title, yLabel, bars } : undefined;
}

/** storage-consistency: availability against correctness per level, or the zombie. */
export const storageFinding: FindingHook = {
  measures: (run) => (run.variants.every(isZombie) ? ['zombiesBeforeRepair', 'zombieReadShare', 'zombies'] : ['writeAvailability', 'staleReads', 'deletedSeen', 'ackedLost', 'writeP99Ms@fault']),
  state(run: RunResult) {
    const byFault = new Map<string, VariantResult[]>();
    for (const v of run.variants) byFault.set(String(v.params['fault']), [...(byFault.get(String(v.params['fault'])) ?? []), v]);
    const parts = [...byFault].map(([fault, vs]) => {
      if (fault === 'resurrection') {
        return `With hinted handoff off and gc_grace_seconds ${fmtNum(Number(vs[0]!.params['graceSec']))} s, deleting while one replica of three was cut off: ${vs.map(zombieClause).join('; ')}`;
      }
      const secs = fmtNum(Number(vs[0]!.params['faultSec']));
      return `With one Cassandra node of three ${FAULT_WORDS[fault] ?? fault} for ${secs} s: ${vs.map(loadClause).join('; ')}`;
    });
    return `${parts.join('. ')}.`;
  },
  chart: (run) =>
    run.variants.every(isZombie)
      ? shortBars(run, 'zombieReadShare', 'Reads that returned a deleted message, after the replica came back', '% of reads')
      : shortBars(run, 'writeAvailability', 'Writes acknowledged while one node of three was away', '% of the writes invoked'),
  settings: (run) => [
    'replication: NetworkTopologyStrategy, 3 replicas; the struck node: cassandra-3',
    `the members' request timeout: ${fmtNum(Number(run.variants[0]?.params['timeoutMs'] ?? 0))} ms (the services use 12,000)`,
    'writes, reads and deletes straight to Cassandra through the store code, at the variant\'s level; judged against a read at ALL after nodetool repair -full',
  ],
  caveats: (run) =>
    run.variants.some((v) => !isZombie(v) && m(v, 'staleReads') === 0 && m(v, 'deletedSeen') === 0 && level(v) === 'ONE')
      ? ['ONE showed no stale read in this run: the window in which a replica lacks a write (until hints replay) was not hit by a read; a longer fault or more readers press it harder.']
      : [],
};

import type { ProcessCost } from './process-cost.js';

/** One step of the channel ladder. */
export interface StepRow {
  n: number;
  createUsPerChannel: number;
  subscribeMs: number | null;
  cost: ProcessCost;
  p99: number | null;
  lost: number;
  /** Why the step is not usable (null: it is). */
  problem: string | null;
  /** It lost messages or never finished: the ladder ended there. */
  broken: boolean;
}

const int = (x: number) => Math.round(x).toLocaleString('en-US');
const per = (delta: number | null, n: number) => (delta === null ? null : delta / n);

/**
 * The step measures and one sentence: what a channel costs on this router, where it stopped
 * being usable and why, and where the process's open-files and mapping limits would be met at
 * the cost per channel measured (Kafka keeps a log file open and maps two index files per partition).
 */
export function explosionFinding(router: string, rows: StepRow[], base: ProcessCost, o: { usableP99Ms: number; maxMapCount: number | null }) {
  const measures: Record<string, number> = {};
  for (const r of rows) {
    measures[`createUsPerChannel@${r.n}`] = r.createUsPerChannel;
    if (r.subscribeMs !== null) measures[`subscribeMs@${r.n}`] = r.subscribeMs;
    if (r.cost.rssBytes !== null) measures[`rssMB@${r.n}`] = Math.round(r.cost.rssBytes / 2 ** 20);
    if (r.cost.openFiles !== null) measures[`openFiles@${r.n}`] = r.cost.openFiles;
    if (r.cost.mappings !== null) measures[`mappings@${r.n}`] = r.cost.mappings;
    if (r.p99 !== null) measures[`p99@${r.n}`] = Math.round(r.p99 * 10) / 10;
    measures[`lost@${r.n}`] = r.lost;
  }
  // usable: this step and every one before it passed
  const firstBad = rows.findIndex((r) => r.problem !== null);
  const usable = firstBad === -1 ? rows : rows.slice(0, firstBad);
  measures['usableUpTo'] = usable.at(-1)?.n ?? 0;
  const name = router === 'kafka' ? 'Kafka, a topic per conversation' : 'Redis Pub/Sub, a channel per conversation';
  // the cost per channel from the largest step that finished (usable or not)
  const top = rows.filter((r) => !r.broken).at(-1) ?? rows.at(-1);
  if (!top) return { measures, sentence: `${name}: no step ran` };
  const d = (a: number | null | undefined, b: number | null | undefined) => (a == null || b == null ? null : a - b);
  const memEach = router === 'pubsub' ? per(d(top.cost.usedMemory, base.usedMemory), top.n) : per(d(top.cost.rssBytes, base.rssBytes), top.n);
  const filesEach = per(d(top.cost.openFiles, base.openFiles), top.n);
  const mapsEach = per(d(top.cost.mappings, base.mappings), top.n);
  const parts = [
    router === 'kafka' ? `creating a topic takes ${int(top.createUsPerChannel / 1000)} ms` : 'a channel costs nothing to create',
    memEach === null ? null : `${memEach >= 1024 ? `${(memEach / 1024).toFixed(1)} KB` : `${int(memEach)} bytes`} of ${router === 'kafka' ? 'broker resident memory' : 'Redis memory'} each`,
    filesEach === null ? null : `${filesEach.toFixed(2)} open files each`,
    `produce → consume p99 ${rows.filter((r) => r.p99 !== null).map((r) => `${r.p99! < 10 ? r.p99!.toFixed(1) : int(r.p99!)} ms at ${int(r.n)}`).join(', ')}`,
    top.subscribeMs === null ? null : `a fresh subscriber needs ${(top.subscribeMs / 1000).toFixed(1)} s to read all ${int(top.n)}`,
  ].filter(Boolean);
  const failed = rows.find((r) => r.problem !== null);
  const broken = rows.find((r) => r.broken);
  const verdict = failed
    ? `${usable.length ? `usable up to ${int(usable.at(-1)!.n)}, ` : ''}not usable from ${int(failed.n)} (${failed.problem})${broken && broken !== failed ? `, broken at ${int(broken.n)} (${broken.problem})` : ''}`
    : `usable at every step up to ${int(top.n)} (p99 < ${o.usableP99Ms} ms, nothing lost)`;
  const limits: string[] = [];
  if (filesEach && filesEach > 0.1 && top.cost.openFilesLimit) limits.push(`its open-files limit (${int(top.cost.openFilesLimit)}) near ${int(top.n + (top.cost.openFilesLimit - (top.cost.openFiles ?? 0)) / filesEach)} channels`);
  if (mapsEach && mapsEach > 0.1 && o.maxMapCount) limits.push(`the kernel's ${int(o.maxMapCount)} memory mappings near ${int(top.n + (o.maxMapCount - (top.cost.mappings ?? 0)) / mapsEach)}`);
  if (filesEach !== null && filesEach > 0.1 && top.cost.openFilesLimit) measures['channelsAtOpenFilesLimit'] = Math.round(top.n + (top.cost.openFilesLimit - (top.cost.openFiles ?? 0)) / filesEach);
  const sentence = `${name}: ${parts.join('; ')}; ${verdict}${limits.length ? `; at this cost per channel it meets ${limits.join(' and ')}` : ''}.`;
  return { measures, sentence };
}

import type { RunResult } from '../scenario/index.js';

/** Everything needed to repeat the run, as label/value pairs (same in Markdown and HTML). */
export function environmentRows(result: RunResult): Array<[string, string]> {
  // A report read back from disk may lack parts of it (see load.ts): show '?' rather than 'undefined'.
  const e: Partial<RunResult['environment']> = result.environment ?? {};
  const q = (v: unknown) => (v === undefined || v === null || v === '' ? '?' : String(v));
  const rows: Array<[string, string]> = [
    ['scenario', result.scenario],
    ['run id', result.runId],
    ['started', result.startedAt],
    ['finished', result.finishedAt],
    ['machine', `${q(e.hostname)} · ${q(e.cpus)} × ${q(e.cpuModel)} · ${q(e.memoryGiB)} GiB`],
    ['os', q(e.os)],
    ['node', q(e.node)],
    ['chatlab', q(e.chatlab)],
    ['provider', q(e.provider)],
  ];
  for (const [name, version] of Object.entries(e.versions ?? {})) rows.push([name, version]);
  rows.push(['seed', q(e.seed)]);
  rows.push(['config', JSON.stringify(e.config ?? {})]);
  return rows;
}

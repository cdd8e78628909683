import type { RunResult } from '../scenario/index.js';
import { describeExample, faultExamples } from './examples.js';
import { escapeMdCell as esc, fmtDuration, fmtNum, fmtRatio, mdTable } from './format.js';
import { allThresholds, sideBySide, verdictOf } from './measures.js';
import { environmentRows } from './environment.js';
import { renderBaseline } from './baseline.js';

/** report.md: verdict, checker, variants side by side, environment (DASHBOARD.md §report 1, 2, 4, 5). */
export function renderMarkdown(result: RunResult): string {
  const parts: string[] = [];
  parts.push(`# chatlab report — ${esc(result.scenario)}`);
  if (result.description) parts.push(esc(result.description));
  parts.push(verdictSection(result));
  if (result.variants.length > 0) {
    parts.push(checkerSection(result));
    parts.push(sideBySideSection(result));
  }
  if (result.baseline) parts.push(['## Against the baseline', ...renderBaseline(result.baseline).map((l, i) => (i === 0 ? esc(l) : `- ${esc(l.trim())}`))].join('\n\n').replace(/\n\n- /g, '\n- ').replace('\n- ', '\n\n- '));
  const options = result.environment.serviceOptions;
  if (options && Object.keys(options).length > 0) {
    parts.push(`## Service options\n\nIn effect when the run started (restored when it ended); a variant that changed them lists its own in report.json.\n\n${mdTable(['service', 'options'], Object.entries(options).map(([name, o]) => [esc(name), esc(Object.entries(o).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(' ') || 'defaults')]))}`);
  }
  parts.push(`## Environment\n\n${mdTable(['', ''], environmentRows(result).map(([k, v]) => [esc(k), esc(v)]))}`);
  return `${parts.join('\n\n')}\n`;
}

function verdictSection(result: RunResult): string {
  const verdict = verdictOf(result);
  const head = result.interrupted
    ? `## Verdict: ⚠ INTERRUPTED — partial report, ${result.variants.length} finished variant(s)`
    : verdict === 'error'
      ? `## Verdict: ⚠ ERROR — the run could not be done\n\n> ${esc(result.error ?? '')}`
      : verdict === 'pass'
        ? '## Verdict: ✅ PASS — every threshold holds'
        : `## Verdict: ❌ FAIL — ${allThresholds(result).filter((t) => !t.ok).length} threshold(s) broken`;
  const meta = `Run \`${esc(result.runId)}\` · ${esc(result.startedAt)} → ${esc(result.finishedAt)} · variants: ${
    result.variants.map((v) => `\`${esc(v.name)}\``).join(', ') || '—'
  }`;
  const rows = allThresholds(result).map((t) => [esc(t.variant), `\`${esc(t.name)}\``, fmtNum(t.limit), fmtNum(t.value), t.ok ? '✅ pass' : '❌ **FAIL**']);
  const table = rows.length > 0 ? mdTable(['variant', 'threshold', 'limit', 'value', 'result'], rows, ['l', 'l', 'r', 'r', 'l']) : '_No thresholds._';
  return [head, meta, table].join('\n\n');
}

function checkerSection(result: RunResult): string {
  const names = result.variants.map((v) => esc(v.name));
  const rows = sideBySide(result).filter((r) => r.group === 'checker');
  const out = ['## Delivery checker', mdTable(['', ...names], rows.map((r) => [r.label, ...r.values.map(fmtNum)]), ['l', ...names.map(() => 'r' as const)])];
  for (const v of result.variants) {
    const kinds = faultExamples(v.checker);
    const extra = v.errors.length > 0 ? `\n\nRun problems (counted, not fatal): ${v.errors.slice(0, 5).map((e) => `\`${esc(e)}\``).join('; ')}` : '';
    if (kinds.length === 0) {
      out.push(`### ${esc(v.name)}: no faults found (${fmtDuration(v.durationMs)})${extra}`);
      continue;
    }
    const lines = kinds.flatMap((k) => [
      `- **${k.kind}** (${fmtNum(k.total)} in all; first ${k.shown.length}):`,
      ...k.shown.map((e) => `  - ${esc(describeExample(e))}`),
    ]);
    out.push(`### ${esc(v.name)}: examples (${fmtDuration(v.durationMs)})\n\n${lines.join('\n')}${extra}`);
  }
  return out.join('\n\n');
}

function sideBySideSection(result: RunResult): string {
  const vs = result.variants;
  const ratioHeads = vs.slice(1).map((v) => `${esc(v.name)} / ${esc(vs[0]!.name)}`);
  const rows = sideBySide(result).map((r) => [
    `${esc(r.label)}${r.better === 'higher' ? ' ↑' : ''}`,
    ...r.values.map((v, i) => (r.best === i ? `**${fmtNum(v)}** ✓` : fmtNum(v))),
    ...r.ratios.slice(1).map(fmtRatio),
  ]);
  const header = ['measure', ...vs.map((v) => esc(v.name)), ...ratioHeads];
  const params = vs.map((v) => `- \`${esc(v.name)}\`: ${Object.entries(v.params).map(([k, p]) => `${esc(k)}=${esc(String(p))}`).join(', ') || '—'}`);
  return [
    '## Variants side by side',
    'Lower is better unless marked ↑; ✓ marks the better value.',
    params.join('\n'),
    mdTable(header, rows, ['l', ...header.slice(1).map(() => 'r' as const)]),
  ].join('\n\n');
}

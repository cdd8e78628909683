import type { RunResult } from '../scenario/index.js';
import { describeExample, faultExamples } from './examples.js';
import { escapeMdCell as esc, fmtDuration, fmtNum, fmtRatio, mdTable } from './format.js';
import { allThresholds, equalLine, sideBySide, splitEqual, thresholdGrid, verdictOf } from './measures.js';
import { findingMarkdown, spreadCell } from './finding.js';
import { smallSampleNote } from '../scenario/index.js';
import { environmentRows } from './environment.js';
import { renderBaseline } from './baseline.js';

/** report.md: verdict, checker, variants side by side, environment (README.md, Reports). */
export function renderMarkdown(result: RunResult): string {
  const parts: string[] = [];
  parts.push(`# chatlab report — ${esc(result.scenario)}`);
  if (result.description) parts.push(esc(result.description));
  parts.push(findingMarkdown(result));
  parts.push(verdictSection(result));
  if (result.variants.length > 0) {
    parts.push(sideBySideSection(result));
    parts.push(checkerSection(result));
    const fan = fanoutSection(result);
    if (fan) parts.push(fan);
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
  const rows = thresholdGrid(result).map((g) => [`\`${esc(g.name)}\``, ...g.cells.map((c) => (c === null ? '—' : c.ok ? `✅ ${fmtNum(c.value)}` : `❌ **${fmtNum(c.value)}**`))]);
  const table = rows.length > 0 ? mdTable(['threshold', ...result.variants.map((v) => esc(v.name))], rows, ['l', ...result.variants.map(() => 'r' as const)]) : '_No thresholds._';
  return [head, meta, table].join('\n\n');
}

function checkerSection(result: RunResult): string {
  const names = result.variants.map((v) => esc(v.name));
  const { differing, equal } = splitEqual(sideBySide(result).filter((r) => r.group === 'checker'));
  const out = ['## Delivery checker'];
  const counted = Math.max(...result.variants.map((v) => v.repeats?.length ?? 1));
  if (counted > 1) out.push(`Counts are summed over the ${counted} runs of each variant.`);
  if (differing.length > 0) out.push(mdTable(['', ...names], differing.map((r) => [r.label, ...r.values.map(fmtNum)]), ['l', ...names.map(() => 'r' as const)]));
  if (equal.length > 0) out.push(`${result.variants.length > 1 ? 'The same in every variant' : 'Zero'}: ${esc(equalLine(equal, fmtNum))}`);
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
  const { differing, equal } = splitEqual(sideBySide(result).filter((r) => r.group !== 'checker'));
  const ratioHeads = vs.slice(1).map((v) => `${esc(v.name)} / ${esc(vs[0]!.name)}`);
  const many = vs.length > 1;
  const rows = differing.map((r) => [
    `${esc(r.label)}${r.better === 'higher' ? ' ↑' : ''}`,
    ...r.spreads.map((sp, i) => (r.winners.includes(i) ? `**${spreadCell(sp)}** ✓` : spreadCell(sp))),
    ...r.ratios.slice(1).map(fmtRatio),
    ...(many ? [esc(r.verdict)] : []),
  ]);
  const header = ['measure', ...vs.map((v) => esc(v.name)), ...ratioHeads, ...(many ? ['verdict'] : [])];
  const params = vs.map((v) => `- \`${esc(v.name)}\`: ${Object.entries(v.params).map(([k, p]) => `${esc(k)}=${esc(String(p))}`).join(', ') || '—'}`);
  const repeats = Math.max(...vs.map((v) => v.repeats?.length ?? 1));
  const how =
    repeats > 1
      ? `Medians of ${repeats} interleaved runs, min–max in brackets; ✓ marks a value whose range is apart from every other variant's.`
      : 'One run per variant: no spread is known, so no value is marked better (`--repeat 3` measures it).';
  const out = ['## Variants side by side', `Lower is better unless marked ↑. ${how}`, params.join('\n')];
  if (rows.length > 0) out.push(mdTable(header, rows, ['l', ...header.slice(1).map((_, i) => (many && i === header.length - 2 ? ('l' as const) : ('r' as const)))]));
  if (equal.length > 0) out.push(`The same in every variant: ${esc(equalLine(equal, fmtNum))}`);
  return out.join('\n\n');
}

/** Fan-out rows (large-group-fanout): publishes, bytes and first/last recipient p99 per group size. */
function fanoutSection(result: RunResult): string | null {
  const with_ = result.variants.filter((v) => v.fanout && v.fanout.length > 0);
  if (with_.length === 0) return null;
  const rows = with_.flatMap((v) =>
    v.fanout!.map((f) => [esc(v.name), esc(f.routing), fmtNum(f.groupSize), fmtNum(f.messages), fmtNum(f.publishesPerMessage), fmtNum(f.bytesPerMessage), fmtNum(f.firstRecipient.p99), fmtNum(f.lastRecipient.p99)]),
  );
  const notes = [...new Set(with_.flatMap((v) => v.fanout!.map((f) => smallSampleNote(f.lastRecipient.count, 'messages per size')).filter((x): x is string => x !== null)))];
  const table = mdTable(['variant', 'routing', 'group size', 'messages', 'publishes/msg', 'bytes/msg', 'first p99 ms', 'last p99 ms'], rows, ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r']);
  return ['## Fan-out', table, ...notes.map((n) => `> ⚠ ${esc(n)}`)].join('\n\n');
}

import type { RunResult, VariantResult } from '../scenario/index.js';
import { environmentRows } from './environment.js';
import { describeExample, faultExamples } from './examples.js';
import { smallSampleNote } from '../scenario/index.js';
import { detailCharts } from './charts.js';
import { findingHtml, findingOf, spreadCell } from './finding.js';
import { escapeHtml as esc, fmtNum, fmtRatio } from './format.js';
import { allThresholds, equalLine, sideBySide, splitEqual, thresholdGrid, verdictOf } from './measures.js';

/**
 * report.html: one self-contained file (inline CSS and SVG, no scripts, nothing fetched),
 * so it can be attached to a CI run or mailed and still open years later.
 */
export function renderHtml(result: RunResult): string {
  const has = result.variants.length > 0;
  const body = [
    findingHtml(result),
    verdictSection(result),
    has ? sideBySideSection(result) : '',
    has ? checkerSection(result) : '',
    has ? latencySection(result) : '',
    environmentSection(result),
  ].join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`chatlab · ${result.scenario} · ${result.runId}`)}</title>
<style>${CSS}</style></head>
<body><main>
<h1>chatlab report — ${esc(result.scenario)}</h1>
${result.description ? `<p class="desc">${esc(result.description)}</p>` : ''}
${body}
</main></body></html>
`;
}

export const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;background:#f9fafb;margin:0}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}.desc,.meta{color:#4b5563}
table{border-collapse:collapse;background:#fff;margin:6px 0 12px;font-variant-numeric:tabular-nums}
th,td{border:1px solid #e5e7eb;padding:4px 10px;text-align:left}td.num,th.num{text-align:right}
th{background:#f3f4f6;font-weight:600}
.verdict{padding:12px 16px;border-radius:6px;font-size:18px;font-weight:700;margin:12px 0}
.verdict.pass{background:#dcfce7;color:#14532d;border:1px solid #86efac}
.verdict.fail{background:#fee2e2;color:#7f1d1d;border:1px solid #fca5a5}
.verdict.error{background:#fef3c7;color:#78350f;border:1px solid #fcd34d}
.ok{color:#15803d;font-weight:600}.bad{color:#b91c1c;font-weight:700}
td.best{background:#dcfce7;color:#14532d;font-weight:600}td.worse{background:#fef2f2}
td.diff{font-weight:700;color:#1d4ed8}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(460px,1fr));gap:12px}
.chart-box{background:#fff;border:1px solid #e5e7eb;border-radius:6px;padding:8px}
p.finding{font-size:17px;font-weight:600;background:#eff6ff;border-left:4px solid #2563eb;padding:10px 14px;margin:8px 0 12px}
.chart-box.headline{margin:8px 0 12px}ul.caveats{color:#92400e}ul.settings{color:#374151}
td .range{color:#6b7280;font-weight:400;font-size:12px}p.equal{color:#4b5563;font-size:13px}
ul.examples{margin:4px 0 8px;padding-left:20px}code{font-size:12px;background:#f3f4f6;padding:1px 4px;border-radius:3px}
`;

const table = (head: string[], rows: string[], cls = '') =>
  `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${head.join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
const th = (s: string, num = false) => `<th${num ? ' class="num"' : ''}>${esc(s)}</th>`;
const td = (s: string, cls = '') => `<td${cls ? ` class="${cls}"` : ''}>${esc(s)}</td>`;

function verdictSection(r: RunResult): string {
  const v = verdictOf(r);
  const broken = allThresholds(r).filter((t) => !t.ok).length;
  const text = v === 'error' ? `ERROR — the run could not be done: ${r.error ?? ''}` : v === 'pass' ? 'PASS — every threshold holds' : `FAIL — ${broken} threshold(s) broken`;
  const rows = thresholdGrid(r).map((g) => {
    const ok = g.cells.every((c) => c === null || c.ok);
    const cells = g.cells.map((c) => (c === null ? td('—', 'num') : td(`${c.ok ? '✔' : '✖'} ${fmtNum(c.value)}`, `num ${c.ok ? 'ok' : 'bad'}`)));
    return `<tr class="${ok ? 'pass' : 'fail'}"><td><code>${esc(g.name)}</code></td>${cells.join('')}</tr>`;
  });
  return `<section id="verdict"><h2>Verdict</h2><div class="verdict ${v}">${esc(text)}</div>
<p class="meta">Run <code>${esc(r.runId)}</code> · ${esc(r.startedAt)} → ${esc(r.finishedAt)} · variants: ${r.variants.map((x) => `<code>${esc(x.name)}</code>`).join(', ') || '—'}</p>
${rows.length ? table([th('threshold'), ...r.variants.map((x) => th(x.name, true))], rows, 'thresholds') : '<p>No thresholds.</p>'}</section>`;
}

function checkerSection(r: RunResult): string {
  const { differing, equal } = splitEqual(sideBySide(r).filter((row) => row.group === 'checker'));
  const rows = differing.map((row) => `<tr>${td(row.label)}${row.values.map((v) => td(fmtNum(v), `num${row.better === 'lower' && (v ?? 0) > 0 ? ' bad' : ''}`)).join('')}</tr>`);
  const equalText = equal.length ? `<p class="equal">${r.variants.length > 1 ? 'The same in every variant' : 'Zero'}: ${esc(equalLine(equal, fmtNum))}</p>` : '';
  const examples = r.variants.map((v) => {
    const kinds = faultExamples(v.checker);
    if (kinds.length === 0) return `<h3>${esc(v.name)}</h3><p class="ok">No faults found.</p>`;
    const items = kinds.map(
      (k) => `<li><b>${esc(k.kind)}</b> (${esc(fmtNum(k.total))} in all, first ${k.shown.length})<ul>${k.shown.map((e) => `<li><code>${esc(describeExample(e))}</code></li>`).join('')}</ul></li>`,
    );
    return `<h3>${esc(v.name)} — examples</h3><ul class="examples">${items.join('')}</ul>`;
  });
  const counted = Math.max(...r.variants.map((v) => v.repeats?.length ?? 1));
  const sums = counted > 1 ? `<p class="meta">Counts are summed over the ${counted} runs of each variant.</p>` : '';
  return `<section id="checker"><h2>Delivery checker</h2>${sums}${rows.length ? table([th(''), ...r.variants.map((v) => th(v.name, true))], rows, 'checker') : ''}${equalText}${examples.join('\n')}</section>`;
}

function latencySection(r: RunResult): string {
  const rows = r.variants.map(
    (v) => `<tr>${td(v.name)}${[v.latency.count, v.latency.p50, v.latency.p90, v.latency.p99, v.latency.p999, v.latency.max].map((x) => td(fmtNum(x), 'num')).join('')}</tr>`,
  );
  const head = [th('variant'), ...['count', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms'].map((h) => th(h, true))];
  const notes = r.variants.flatMap((v) => {
    const note = smallSampleNote(v.latency.count, 'samples');
    return note ? [`${v.name}: ${note}`] : [];
  });
  const withFanout = r.variants.filter((v) => v.fanout && v.fanout.length > 0);
  const fanout = withFanout.map((v) =>
    table(
      [th('variant'), th('routing'), th('group size', true), th('messages', true), th('publishes/msg', true), th('bytes/msg', true), th('first p99 ms', true), th('last p99 ms', true)],
      v.fanout!.map(
        (f) =>
          `<tr>${td(v.name)}${td(f.routing)}${[f.groupSize, f.messages, f.publishesPerMessage, f.bytesPerMessage, f.firstRecipient.p99, f.lastRecipient.p99].map((x) => td(fmtNum(x), 'num')).join('')}</tr>`,
      ),
      'fanout',
    ),
  );
  const fanNotes = [...new Set(withFanout.flatMap((v) => v.fanout!.map((f) => smallSampleNote(f.lastRecipient.count, 'messages per size')).filter((x): x is string => x !== null)))];
  const chart = findingOf(r).chart;
  const boxes = detailCharts(r, { latencyOverTime: chart?.kind === 'lines' && chart.title === 'send→deliver p99 over time' }).map((svg) => `<div class="chart-box">${svg}</div>`);
  const note = (xs: string[]) => (xs.length ? `<p class="meta">⚠ ${esc(xs.join('; '))}</p>` : '');
  return `<section id="latency"><h2>Latency</h2>${table(head, rows, 'latency')}${note(notes)}<div class="charts">${boxes.join('\n')}</div>${fanout.join('')}${note(fanNotes)}</section>`;
}

function sideBySideSection(r: RunResult): string {
  const vs = r.variants;
  const { differing, equal } = splitEqual(sideBySide(r).filter((row) => row.group !== 'checker'));
  const head = [th('measure'), ...vs.map((v) => th(v.name, true)), ...vs.slice(1).map((v) => th(`${v.name} / ${vs[0]!.name}`, true)), ...(vs.length > 1 ? [th('verdict')] : [])];
  const rows = differing.map((row) => {
    const cells = row.spreads.map((sp, i) => {
      const text = spreadCell(sp);
      const [main, range] = text.includes(' (') ? [text.slice(0, text.indexOf(' (')), text.slice(text.indexOf(' ('))] : [text, ''];
      const cls = `num${row.winners.length === 0 ? '' : row.winners.includes(i) ? ' best' : ' worse'}`;
      return `<td class="${cls}">${esc(main)}${row.winners.includes(i) ? ' ✓' : ''}${range ? `<span class="range">${esc(range)}</span>` : ''}</td>`;
    });
    // A ratio 10% or more away from 1 is a difference worth the eye.
    const ratios = row.ratios.slice(1).map((x) => td(fmtRatio(x), `num${x !== null && Math.abs(x - 1) >= 0.1 ? ' diff' : ''}`));
    return `<tr>${td(`${row.label}${row.better === 'higher' ? ' ↑' : ''}`)}${cells.join('')}${ratios.join('')}${vs.length > 1 ? td(row.verdict, 'verdict-cell') : ''}</tr>`;
  });
  const params = vs.map((v) => `<li><code>${esc(v.name)}</code>: ${esc(Object.entries(v.params).map(([k, p]) => `${k}=${String(p)}`).join(', ') || '—')}</li>`);
  const repeats = Math.max(...vs.map((v) => v.repeats?.length ?? 1));
  const how = repeats > 1 ? `Medians of ${repeats} interleaved runs, their min–max in brackets; a value is ticked only when its range is apart from every other variant's.` : 'One run per variant: no spread is known, so no value is ticked (`--repeat 3` measures it).';
  const equalText = equal.length ? `<p class="equal">The same in every variant: ${esc(equalLine(equal, fmtNum))}</p>` : '';
  return `<section id="variants"><h2>Variants side by side</h2><p class="meta">Lower is better unless marked ↑. ${esc(how)}</p><ul>${params.join('')}</ul>${rows.length ? table(head, rows, 'side-by-side') : ''}${equalText}</section>`;
}

function environmentSection(r: RunResult): string {
  const rows = environmentRows(r).map(([k, v]) => `<tr>${td(k)}<td><code>${esc(v)}</code></td></tr>`);
  return `<section id="environment"><h2>Environment</h2>${table([th('what'), th('value')], rows, 'environment')}</section>`;
}

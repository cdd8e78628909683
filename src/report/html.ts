import type { RunResult, VariantResult } from '../scenario/index.js';
import { environmentRows } from './environment.js';
import { describeExample, faultExamples } from './examples.js';
import { escapeHtml as esc, fmtDuration, fmtNum, fmtRatio } from './format.js';
import { allThresholds, sideBySide, verdictOf } from './measures.js';
import { lineChart, PALETTE, type ChartSeries } from './svg.js';

/**
 * report.html: one self-contained file (inline CSS and SVG, no scripts, nothing fetched),
 * so it can be attached to a CI run or mailed and still open years later.
 */
export function renderHtml(result: RunResult): string {
  const body = [
    verdictSection(result),
    result.variants.length > 0 ? checkerSection(result) : '',
    result.variants.length > 0 ? latencySection(result) : '',
    result.variants.length > 0 ? sideBySideSection(result) : '',
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

const CSS = `
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
  const rows = allThresholds(r).map(
    (t) => `<tr class="${t.ok ? 'pass' : 'fail'}">${td(t.variant)}<td><code>${esc(t.name)}</code></td>${td(fmtNum(t.limit), 'num')}${td(fmtNum(t.value), `num${t.ok ? '' : ' bad'}`)}${td(t.ok ? '✔ pass' : '✖ FAIL', t.ok ? 'ok' : 'bad')}</tr>`,
  );
  return `<section id="verdict"><h2>Verdict</h2><div class="verdict ${v}">${esc(text)}</div>
<p class="meta">Run <code>${esc(r.runId)}</code> · ${esc(r.startedAt)} → ${esc(r.finishedAt)} · variants: ${r.variants.map((x) => `<code>${esc(x.name)}</code>`).join(', ') || '—'}</p>
${rows.length ? table([th('variant'), th('threshold'), th('limit', true), th('value', true), th('result')], rows, 'thresholds') : '<p>No thresholds.</p>'}</section>`;
}

function checkerSection(r: RunResult): string {
  const rows = sideBySide(r)
    .filter((row) => row.group === 'checker')
    .map((row) => `<tr>${td(row.label)}${row.values.map((v) => td(fmtNum(v), `num${row.better === 'lower' && (v ?? 0) > 0 ? ' bad' : ''}`)).join('')}</tr>`);
  const examples = r.variants.map((v) => {
    const kinds = faultExamples(v.checker);
    if (kinds.length === 0) return `<h3>${esc(v.name)}</h3><p class="ok">No faults found.</p>`;
    const items = kinds.map(
      (k) => `<li><b>${esc(k.kind)}</b> (${esc(fmtNum(k.total))} in all, first ${k.shown.length})<ul>${k.shown.map((e) => `<li><code>${esc(describeExample(e))}</code></li>`).join('')}</ul></li>`,
    );
    return `<h3>${esc(v.name)} — examples</h3><ul class="examples">${items.join('')}</ul>`;
  });
  return `<section id="checker"><h2>Delivery checker</h2>${table([th(''), ...r.variants.map((v) => th(v.name, true))], rows, 'checker')}${examples.join('\n')}</section>`;
}

const timeFmt = (ms: number) => fmtDuration(ms);
const maxOf = (xs: Array<number | null | undefined>) => Math.max(0, ...xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)));

/**
 * Charts grouped by kind, one per variant each: in the two-column grid a row then shows the
 * variants side by side, on a shared y scale so the eye compares heights honestly.
 */
function charts(r: RunResult): string[] {
  const vs = r.variants;
  const markersOf = (v: VariantResult) => v.timeline.filter((e) => e.kind !== 'info').map((e) => ({ x: e.atMs, label: e.label, kind: e.kind }));
  const pts = (v: VariantResult, f: (p: VariantResult['series'][number]) => number | null): Array<[number, number | null]> => v.series.map((p) => [p.tMs, f(p)]);
  const series = vs.flatMap((v) => v.series);
  const latMax = maxOf(series.flatMap((p) => [p.p50, p.p99]));
  const recMax = maxOf(series.map((p) => p.reconnectsPerSec));
  const connMax = maxOf(series.map((p) => p.connections));
  const time = { xLabel: 'time since start (mm:ss)', xFormat: timeFmt };
  const latency = vs.map((v) =>
    lineChart({
      ...time,
      title: `${v.name}: send→deliver latency over time`,
      yLabel: 'latency (ms)',
      yMax: latMax,
      markers: markersOf(v),
      series: [
        { name: 'p50', color: PALETTE[0]!, points: pts(v, (p) => p.p50) },
        { name: 'p99', color: PALETTE[1]!, points: pts(v, (p) => p.p99) },
      ],
    }),
  );
  const reconnect = vs.map((v) =>
    lineChart({
      ...time,
      title: `${v.name}: reconnect curve`,
      yLabel: 'reconnects / s',
      yRightLabel: 'open connections',
      yMax: recMax,
      yRightMax: connMax,
      markers: markersOf(v),
      series: [
        { name: 'reconnects/s', color: '#dc2626', points: pts(v, (p) => p.reconnectsPerSec) },
        { name: 'connections', color: PALETTE[2]!, points: pts(v, (p) => p.connections), axis: 'right' },
      ],
    }),
  );
  const withFanout = vs.filter((v) => v.fanout && v.fanout.length > 0);
  const fanMax = maxOf(withFanout.flatMap((v) => v.fanout!.flatMap((f) => [f.firstRecipient.p99, f.lastRecipient.p99])));
  const fanout = withFanout.map((v) => {
    const routings = [...new Set(v.fanout!.map((f) => f.routing))];
    const lines: ChartSeries[] = routings.flatMap((routing, i) => {
      const rows = v.fanout!.filter((f) => f.routing === routing).sort((a, b) => a.groupSize - b.groupSize);
      const color = PALETTE[i % PALETTE.length]!;
      return [
        { name: `${routing} first p99`, color, points: rows.map((f) => [f.groupSize, f.firstRecipient.p99] as [number, number]), dashed: true },
        { name: `${routing} last p99`, color, points: rows.map((f) => [f.groupSize, f.lastRecipient.p99] as [number, number]) },
      ];
    });
    return lineChart({ title: `${v.name}: fan-out, first and last recipient p99`, xLabel: 'group size (log)', yLabel: 'p99 latency (ms)', xScale: 'log', dots: true, yMax: fanMax, series: lines });
  });
  return [...latency, ...reconnect, ...fanout];
}

function latencySection(r: RunResult): string {
  const rows = r.variants.map(
    (v) => `<tr>${td(v.name)}${[v.latency.count, v.latency.p50, v.latency.p90, v.latency.p99, v.latency.p999, v.latency.max].map((x) => td(fmtNum(x), 'num')).join('')}</tr>`,
  );
  const head = [th('variant'), ...['count', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms'].map((h) => th(h, true))];
  const fanout = r.variants
    .filter((v) => v.fanout && v.fanout.length > 0)
    .map((v) =>
      table(
        [th('variant'), th('routing'), th('group size', true), th('messages', true), th('publishes/msg', true), th('bytes/msg', true), th('first p99 ms', true), th('last p99 ms', true)],
        v.fanout!.map(
          (f) =>
            `<tr>${td(v.name)}${td(f.routing)}${[f.groupSize, f.messages, f.publishesPerMessage, f.bytesPerMessage, f.firstRecipient.p99, f.lastRecipient.p99].map((x) => td(fmtNum(x), 'num')).join('')}</tr>`,
        ),
        'fanout',
      ),
    );
  const boxes = charts(r).map((svg) => `<div class="chart-box">${svg}</div>`);
  return `<section id="latency"><h2>Latency</h2>${table(head, rows, 'latency')}<div class="charts">${boxes.join('\n')}</div>${fanout.join('')}</section>`;
}

function sideBySideSection(r: RunResult): string {
  const vs = r.variants;
  const head = [th('measure'), ...vs.map((v) => th(v.name, true)), ...vs.slice(1).map((v) => th(`${v.name} / ${vs[0]!.name}`, true))];
  const rows = sideBySide(r).map((row) => {
    const cells = row.values.map((v, i) => td(`${fmtNum(v)}${row.best === i ? ' ✓' : ''}`, `num${row.best === null ? '' : row.best === i ? ' best' : ' worse'}`));
    // A ratio 10% or more away from 1 is a difference worth the eye.
    const ratios = row.ratios.slice(1).map((x) => td(fmtRatio(x), `num${x !== null && Math.abs(x - 1) >= 0.1 ? ' diff' : ''}`));
    return `<tr>${td(`${row.label}${row.better === 'higher' ? ' ↑' : ''}`)}${cells.join('')}${ratios.join('')}</tr>`;
  });
  const params = vs.map((v) => `<li><code>${esc(v.name)}</code>: ${esc(Object.entries(v.params).map(([k, p]) => `${k}=${String(p)}`).join(', ') || '—')}</li>`);
  return `<section id="variants"><h2>Variants side by side</h2><p class="meta">Lower is better unless marked ↑; the better value is green and ticked.</p><ul>${params.join('')}</ul>${table(head, rows, 'side-by-side')}</section>`;
}

function environmentSection(r: RunResult): string {
  const rows = environmentRows(r).map(([k, v]) => `<tr>${td(k)}<td><code>${esc(v)}</code></td></tr>`);
  return `<section id="environment"><h2>Environment</h2>${table([th('what'), th('value')], rows, 'environment')}</section>`;
}

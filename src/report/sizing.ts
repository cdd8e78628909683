import { fmt, fmtGiB, type SizeResult } from '../sizing/index.js';
import { escapeHtml as esc, escapeMdCell, mdTable } from './format.js';
import { CSS } from './html.js';
import { lineChart, PALETTE } from './svg.js';

/** The sizing report: the finding, the bill of materials, the trade-offs, and machines per component as users grow. */
const HEAD = ['component', 'count', 'cores', 'memory', 'disk', 'machines', 'bound by', 'why'];

function rows(r: SizeResult): string[][] {
  return r.components.map((c) => [
    c.name,
    fmt(c.count),
    fmt(c.cores),
    fmtGiB(c.memoryGiB),
    c.diskGiB !== undefined ? fmtGiB(c.diskGiB) : '—',
    fmt(c.machines),
    c.limit ? `${c.bound} (limit)` : c.bound,
    c.detail,
  ]);
}

function tradeoffRows(r: SizeResult): { head: string[]; rows: string[][] } | null {
  if (!r.tradeoffs?.length) return null;
  const names = r.components.map((c) => c.name);
  const head = ['variant', 'machines', 'cores', ...names.map((n) => `${n} (machines)`), 'most machines'];
  const out: string[][] = [];
  for (const t of r.tradeoffs) {
    for (const v of t.variants) {
      out.push([`${t.key}=${v.value}`, fmt(v.machines), fmt(v.cores), ...names.map((n) => { const c = v.components.find((x) => x.name === n); return c ? fmt(c.machines) : '—'; }), v.binding]);
    }
  }
  return { head, rows: out };
}

export function renderSizingMarkdown(r: SizeResult): string {
  const t = tradeoffRows(r);
  return [
    `# chatlab size — ${fmt(r.workload.users)} users`,
    '',
    `**${r.finding}**`,
    '',
    mdTable(HEAD, rows(r).map((row) => row.map(escapeMdCell)), ['l', 'r', 'r', 'r', 'r', 'r', 'l', 'l']),
    '',
    ...(t ? ['## Trade-offs', '', ...r.tradeoffs!.map((x) => `- ${x.sentence}`), '', mdTable(t.head, t.rows.map((row) => row.map(escapeMdCell))), ''] : []),
    '## Network per tier at the peak',
    '',
    mdTable(['tier', 'Gbit/s'], r.network.map((n) => [n.tier, String(n.gbitPerSec)]), ['l', 'r']),
    '',
    '## Machines per component as users grow',
    '',
    mdTable(['users', ...r.growth[0]!.components.map((c) => c.name)], r.growth.map((g) => [fmt(g.users), ...g.components.map((c) => fmt(c.machines))])),
    '',
    ...r.notes.map((n) => `- ${n}`),
    `- calibration: ${r.calibration.file}, measured ${r.calibration.measuredAt} on ${r.calibration.machine.cores} × ${r.calibration.machine.cpuModel}`,
    '',
  ].join('\n');
}

export function growthChart(r: SizeResult): string {
  const names = r.growth[0]?.components.map((c) => c.name) ?? [];
  return lineChart({
    title: 'Machines per component as users grow (log scales)',
    xLabel: 'users',
    yLabel: 'machines',
    xScale: 'log',
    yScale: 'log',
    dots: true,
    series: names.map((name, i) => ({
      name,
      color: PALETTE[i % PALETTE.length]!,
      dashed: i >= PALETTE.length,
      points: r.growth.map((g) => [g.users, g.components.find((c) => c.name === name)?.machines ?? null] as [number, number | null]),
    })),
  });
}

const htmlTable = (head: string[], body: string[][], numeric: (i: number) => boolean) =>
  `<table><thead><tr>${head.map((h, i) => `<th${numeric(i) ? ' class="num"' : ''}>${esc(h)}</th>`).join('')}</tr></thead><tbody>${body
    .map((row) => `<tr>${row.map((c, i) => `<td${numeric(i) ? ' class="num"' : ''}>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;

export function renderSizingHtml(r: SizeResult): string {
  const t = tradeoffRows(r);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`chatlab size · ${fmt(r.workload.users)} users`)}</title>
<style>${CSS}</style></head>
<body><main>
<h1>chatlab size — ${esc(fmt(r.workload.users))} users</h1>
<p class="finding">${esc(r.finding)}</p>
<div class="chart-box headline">${growthChart(r)}</div>
<h2>Bill of materials at the peak hour</h2>
${htmlTable(HEAD, rows(r), (i) => i >= 1 && i <= 5)}
${t ? `<h2>Trade-offs</h2><ul>${r.tradeoffs!.map((x) => `<li>${esc(x.sentence)}</li>`).join('')}</ul>${htmlTable(t.head, t.rows, (i) => i > 0 && i < t.head.length - 1)}` : ''}
<h2>Network per tier</h2>
${htmlTable(['tier', 'Gbit/s'], r.network.map((n) => [n.tier, String(n.gbitPerSec)]), (i) => i === 1)}
<h2>Assumptions</h2>
<ul class="settings">${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}<li>${esc(`calibration ${r.calibration.file}, measured ${r.calibration.measuredAt} on ${r.calibration.machine.cores} × ${r.calibration.machine.cpuModel}`)}</li></ul>
</main></body></html>
`;
}

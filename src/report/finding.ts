import { genericFinding, type Finding, type FindingMeasure, type HeadlineChart, type RunResult } from '../scenario/index.js';
import { escapeHtml as eh, escapeMdCell as em, fmtNum, mdTable } from './format.js';
import { barChart } from './svg-bars.js';
import { lineChart, PALETTE, type ChartSeries } from './svg.js';

/** The run's finding: as written by the run, or (a report from before findings) the generic one. */
export function findingOf(r: RunResult): Finding {
  return r.finding ?? genericFinding(r);
}

/** `latency.p99` → `latency p99 (ms)`, `measures.recoverMs` → `recoverMs`, `checker.lost` → `lost`. */
export function measureLabel(key: string): string {
  if (key.startsWith('latency.')) {
    const k = key.slice(8);
    return k === 'count' ? 'latency samples' : `latency ${k === 'p999' ? 'p99.9' : k} (ms)`;
  }
  return key.replace(/^(measures|checker)\./, '');
}

/** `35` for one run, `35 (27–77)` for repeats: the median and the min–max range. */
export function spreadCell(s: FindingMeasure['values'][number]): string {
  if (!s) return '—';
  return s.n < 2 || s.min === s.max ? fmtNum(s.median) : `${fmtNum(s.median)} (${fmtNum(s.min)}–${fmtNum(s.max)})`;
}

const signed = (ms: number) => {
  const s = Math.round(Math.abs(ms) / 1000);
  return `${ms < 0 ? '-' : ''}${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};

/** Draws a headline chart: one colour per variant, so overlaid variants read apart. */
export function renderHeadlineChart(chart: HeadlineChart, variants: string[]): string {
  const colorOf = (variant: string | undefined, i: number) => PALETTE[(variant !== undefined && variants.includes(variant) ? variants.indexOf(variant) : i) % PALETTE.length]!;
  if (chart.kind === 'bars') {
    return barChart({ title: chart.title, yLabel: chart.yLabel, bars: chart.bars.map((b, i) => ({ ...b, color: colorOf(b.label, i) })) });
  }
  const series: ChartSeries[] = chart.lines.map((l, i) => ({ name: l.name, color: colorOf(l.variant, i), points: l.points, ...(l.axis ? { axis: l.axis } : {}), ...(l.dashed ? { dashed: true } : {}) }));
  return lineChart({
    title: chart.title,
    xLabel: chart.xLabel,
    yLabel: chart.yLabel,
    ...(chart.yRightLabel ? { yRightLabel: chart.yRightLabel } : {}),
    xScale: chart.xScale ?? 'linear',
    ...(chart.xTime ? { xFormat: signed } : {}),
    dots: chart.xScale === 'log' || chart.lines.every((l) => l.points.length <= 12),
    series,
    markers: chart.markers ?? [],
  });
}

const won = (m: FindingMeasure, i: number) => (m.winners ?? (m.best === null ? [] : [m.best])).includes(i);

export function findingHtml(r: RunResult): string {
  const f = findingOf(r);
  const names = r.variants.map((v) => v.name);
  const list = (cls: string, items: string[]) => (items.length ? `<ul class="${cls}">${items.map((x) => `<li>${eh(x)}</li>`).join('')}</ul>` : '');
  const chart = f.chart ? `<div class="chart-box headline">${renderHeadlineChart(f.chart, names)}</div>` : '';
  const rows = f.measures.map(
    (m) =>
      `<tr><td>${eh(measureLabel(m.measure))}${m.better === 'higher' ? ' ↑' : ''}</td>${m.values.map((s, i) => `<td class="num${won(m, i) ? ' best' : ''}">${eh(spreadCell(s))}${won(m, i) ? ' ✓' : ''}</td>`).join('')}<td class="verdict-cell">${eh(m.verdict)}</td></tr>`,
  );
  const table = rows.length
    ? `<table class="headline-measures"><thead><tr><th>headline measure</th>${names.map((n) => `<th class="num">${eh(n)}</th>`).join('')}<th>verdict</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
    : '';
  return `<section id="finding"><h2>Finding</h2><p class="finding">${eh(f.text)}</p>${chart}${table}${list('settings', f.settings)}${list('caveats', f.caveats.map((c) => `⚠ ${c}`))}</section>`;
}

export function findingMarkdown(r: RunResult): string {
  const f = findingOf(r);
  const names = r.variants.map((v) => em(v.name));
  const parts = ['## Finding', `**${em(f.text)}**`];
  if (f.measures.length > 0) {
    const rows = f.measures.map((m) => [
      `${em(measureLabel(m.measure))}${m.better === 'higher' ? ' ↑' : ''}`,
      ...m.values.map((s, i) => (won(m, i) ? `**${spreadCell(s)}** ✓` : spreadCell(s))),
      em(m.verdict),
    ]);
    parts.push(mdTable(['headline measure', ...names, 'verdict'], rows, ['l', ...names.map(() => 'r' as const), 'l']));
  }
  if (f.chart) parts.push(`_Chart: ${em(f.chart.title)} (in report.html)._`);
  if (f.settings.length > 0) parts.push(f.settings.map((s) => `- ${em(s)}`).join('\n'));
  if (f.caveats.length > 0) parts.push(f.caveats.map((c) => `> ⚠ ${em(c)}`).join('\n>\n'));
  return parts.join('\n\n');
}

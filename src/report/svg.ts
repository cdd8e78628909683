import { escapeHtml as esc } from './format.js';

/**
 * A tiny SVG line-chart generator: the HTML report must be one file with no scripts or
 * external assets, and the charts needed are few and simple (time series with markers,
 * a log-x fan-out plot), so a dependency would cost more than these lines.
 */
export interface ChartSeries {
  name: string;
  color: string;
  /** [x, y]; a null y breaks the line (no sample that second). */
  points: Array<[number, number | null]>;
  axis?: 'left' | 'right';
  dashed?: boolean;
}

export interface ChartMarker {
  x: number;
  label: string;
  kind: 'fault' | 'phase' | 'info' | 'threshold';
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  yRightLabel?: string;
  series: ChartSeries[];
  markers?: ChartMarker[];
  xScale?: 'linear' | 'log';
  /** Left axis only: powers of ten from 1 (values below 1 are not drawn). */
  yScale?: 'linear' | 'log';
  xFormat?: (x: number) => string;
  /** Fixed top of the y axes, so charts of different variants share a scale. */
  yMax?: number;
  yRightMax?: number;
  /** Draw a dot on every point (sparse data such as group sizes). */
  dots?: boolean;
  width?: number;
  height?: number;
}

export const PALETTE = ['#2563eb', '#d97706', '#059669', '#7c3aed', '#db2777', '#0891b2', '#65a30d', '#9333ea'];
const MARKER_COLOR: Record<ChartMarker['kind'], string> = { fault: '#dc2626', phase: '#6b7280', info: '#6b7280', threshold: '#b45309' };

/** Round step (1, 2 or 5 × 10^k) giving about `count` ticks from 0 to at least max. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const ticks: number[] = [];
  for (let v = 0; v < max + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Round ticks covering [lo, hi], lo possibly negative (time before a fault). */
export function niceRange(lo: number, hi: number, count = 6): number[] {
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

export function fmtTick(v: number): string {
  if (Math.abs(v) >= 1_000_000) return `${Number((v / 1_000_000).toPrecision(3))}M`;
  if (Math.abs(v) >= 10_000) return `${Number((v / 1000).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
}

/** 1, 10, 100, … up to the first power of ten at or above max (at least 10). */
export function powersOfTen(max: number): number[] {
  const ticks = [1];
  while (ticks.at(-1)! < max || ticks.length < 2) ticks.push(ticks.at(-1)! * 10);
  return ticks;
}

const n = (v: number) => Number(v.toFixed(1));

export function lineChart(o: LineChartOptions): string {
  const W = o.width ?? 720;
  let H = o.height ?? 280;
  const hasRight = o.series.some((s) => s.axis === 'right');
  // Legend items flow onto as many rows under the title as they need.
  const legend: Array<{ s: ChartSeries; x: number; row: number }> = [];
  let lx = 64;
  let row = 0;
  for (const s of o.series) {
    const w = 28 + s.name.length * 6.5 + (s.axis === 'right' ? 40 : 0);
    if (lx + w > W - 10 && lx > 64) {
      row++;
      lx = 64;
    }
    legend.push({ s, x: lx, row });
    lx += w;
  }
  H += row * 14;
  const m = { l: 64, r: hasRight ? 64 : 20, t: 46 + row * 14, b: 46 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const all = o.series.flatMap((s) => s.points.filter((p): p is [number, number] => p[1] !== null && Number.isFinite(p[1])).map((p) => ({ p, s })));
  const xs = [...all.map((a) => a.p[0]), ...(o.markers ?? []).map((mk) => mk.x)];
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(o.title)}">`);
  parts.push(`<text class="chart-title" x="${m.l}" y="18" font-size="14" font-weight="600" fill="#111827">${esc(o.title)}</text>`);
  if (all.length === 0 || xs.length === 0) {
    parts.push(`<text class="no-data" x="${W / 2}" y="${H / 2}" text-anchor="middle" fill="#6b7280">no data</text></svg>`);
    return parts.join('');
  }
  const log = o.xScale === 'log' && xs.every((x) => x > 0);
  const tx = log ? Math.log10 : (x: number) => x;
  let x0 = Math.min(...xs.map(tx));
  let x1 = Math.max(...xs.map(tx));
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  const sx = (x: number) => m.l + ((tx(x) - x0) / (x1 - x0)) * pw;
  const yTicks = (axis: 'left' | 'right') =>
    niceTicks(Math.max(0, (axis === 'left' ? o.yMax : o.yRightMax) ?? 0, ...all.filter((a) => (a.s.axis ?? 'left') === axis).map((a) => a.p[1])));
  const yLog = o.yScale === 'log';
  const ticksL = yLog ? powersOfTen(Math.max(1, ...all.filter((a) => (a.s.axis ?? 'left') === 'left').map((a) => a.p[1]))) : yTicks('left');
  const ticksR = yTicks('right');
  const sy = (y: number, axis: 'left' | 'right' = 'left') => {
    const top = (axis === 'left' ? ticksL : ticksR).at(-1)!;
    if (yLog && axis === 'left') return m.t + ph - (Math.log10(Math.max(1, y)) / Math.log10(top)) * ph;
    return m.t + ph - (y / top) * ph;
  };
  const fmtX = o.xFormat ?? fmtTick;

  // Grid and y axes.
  for (const t of ticksL) {
    parts.push(`<path class="grid" d="M${m.l} ${n(sy(t))}H${m.l + pw}" stroke="#e5e7eb"/>`);
    parts.push(`<text class="tick y" x="${m.l - 6}" y="${n(sy(t) + 4)}" text-anchor="end" font-size="11" fill="#374151">${esc(fmtTick(t))}</text>`);
  }
  if (hasRight) {
    for (const t of ticksR) {
      parts.push(`<text class="tick y2" x="${m.l + pw + 6}" y="${n(sy(t, 'right') + 4)}" font-size="11" fill="#374151">${esc(fmtTick(t))}</text>`);
    }
  }
  // x ticks: the data's own values on a log axis (group sizes), round numbers on a linear one.
  const xTicks = log ? [...new Set(all.map((a) => a.p[0]))].sort((a, b) => a - b) : x0 < 0 ? niceRange(x0, x1) : niceTicks(x1).filter((t) => t >= x0 && t <= x1);
  for (const t of xTicks) {
    parts.push(`<text class="tick x" x="${n(sx(t))}" y="${m.t + ph + 16}" text-anchor="middle" font-size="11" fill="#374151">${esc(fmtX(t))}</text>`);
  }
  parts.push(`<path class="axis" d="M${m.l} ${m.t}V${m.t + ph}H${m.l + pw}${hasRight ? `V${m.t}` : ''}" stroke="#6b7280" fill="none"/>`);
  parts.push(`<text class="axis-label" x="${m.l + pw / 2}" y="${H - 6}" text-anchor="middle" font-size="12" fill="#111827">${esc(o.xLabel)}</text>`);
  parts.push(
    `<text class="axis-label" transform="translate(14 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle" font-size="12" fill="#111827">${esc(o.yLabel)}</text>`,
  );
  if (hasRight && o.yRightLabel) {
    parts.push(
      `<text class="axis-label" transform="translate(${W - 10} ${m.t + ph / 2}) rotate(90)" text-anchor="middle" font-size="12" fill="#111827">${esc(o.yRightLabel)}</text>`,
    );
  }

  // Markers under the lines, so the data stays readable where they cross.
  (o.markers ?? []).forEach((mk, i) => {
    const x = n(sx(mk.x));
    const color = MARKER_COLOR[mk.kind];
    const cls = mk.kind === 'fault' ? 'fault-marker' : 'event-marker';
    parts.push(`<g class="${cls}"><title>${esc(mk.label)}</title>`);
    parts.push(`<path d="M${x} ${m.t}V${m.t + ph}" stroke="${color}" stroke-dasharray="4 3" stroke-width="${mk.kind === 'fault' ? 1.5 : 1}"/>`);
    parts.push(`<path d="M${x} ${m.t + ph}l-5 8h10z" fill="${color}"/>`);
    // Staggered so labels of close events do not print over each other.
    parts.push(`<text class="marker-label" x="${x + 3}" y="${m.t + 10 + (i % 3) * 12}" font-size="10" fill="${color}">${esc(mk.label)}</text></g>`);
  });

  for (const s of o.series) {
    const axis = s.axis ?? 'left';
    let seg: string[] = [];
    const flush = () => {
      if (seg.length > 1) {
        parts.push(`<polyline class="series" data-series="${esc(s.name)}" points="${seg.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 3"' : ''}/>`);
      }
      seg = [];
    };
    for (const [x, y] of s.points) {
      if (y === null || !Number.isFinite(y) || (yLog && axis === 'left' && y < 1)) flush();
      else {
        seg.push(`${n(sx(x))},${n(sy(y, axis))}`);
        if (o.dots) parts.push(`<circle cx="${n(sx(x))}" cy="${n(sy(y, axis))}" r="3" fill="${s.color}"><title>${esc(`${s.name}: ${fmtX(x)} → ${fmtTick(y)}`)}</title></circle>`);
      }
    }
    flush();
  }

  for (const { s, x, row: r } of legend) {
    const y = 32 + r * 14;
    parts.push(`<g class="legend"><path d="M${x} ${y}h16" stroke="${s.color}" stroke-width="3"${s.dashed ? ' stroke-dasharray="6 3"' : ''}/>`);
    parts.push(`<text x="${x + 20}" y="${y + 4}" font-size="11" fill="#374151">${esc(s.name)}${s.axis === 'right' ? ' (right)' : ''}</text></g>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

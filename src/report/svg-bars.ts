import { escapeHtml as esc, fmtNum } from './format.js';
import { fmtTick, niceTicks, PALETTE } from './svg.js';

export interface Bar {
  label: string;
  value: number;
  /** The min–max of the repeats, drawn as a whisker. */
  min?: number;
  max?: number;
  color?: string;
}

/** One bar per variant on a shared zero-based axis, with the repeats' range as a whisker. */
export function barChart(o: { title: string; yLabel: string; bars: Bar[]; width?: number; height?: number }): string {
  const W = o.width ?? 720;
  const H = o.height ?? 260;
  const m = { l: 64, r: 20, t: 34, b: 46 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(o.title)}">`];
  parts.push(`<text class="chart-title" x="${m.l}" y="18" font-size="14" font-weight="600" fill="#111827">${esc(o.title)}</text>`);
  const bars = o.bars.filter((b) => Number.isFinite(b.value));
  if (bars.length === 0) return `${parts.join('')}<text class="no-data" x="${W / 2}" y="${H / 2}" text-anchor="middle" fill="#6b7280">no data</text></svg>`;
  const ticks = niceTicks(Math.max(0, ...bars.map((b) => Math.max(b.value, b.max ?? 0))));
  const top = ticks.at(-1)!;
  const sy = (y: number) => m.t + ph - (y / top) * ph;
  const r1 = (v: number) => Number(v.toFixed(1));
  for (const t of ticks) {
    parts.push(`<path class="grid" d="M${m.l} ${r1(sy(t))}H${m.l + pw}" stroke="#e5e7eb"/>`);
    parts.push(`<text class="tick y" x="${m.l - 6}" y="${r1(sy(t) + 4)}" text-anchor="end" font-size="11" fill="#374151">${esc(fmtTick(t))}</text>`);
  }
  parts.push(`<path class="axis" d="M${m.l} ${m.t}V${m.t + ph}H${m.l + pw}" stroke="#6b7280" fill="none"/>`);
  parts.push(`<text class="axis-label" transform="translate(14 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle" font-size="12" fill="#111827">${esc(o.yLabel)}</text>`);
  const slot = pw / bars.length;
  const bw = Math.min(120, slot * 0.6);
  bars.forEach((b, i) => {
    const cx = m.l + slot * (i + 0.5);
    const color = b.color ?? PALETTE[i % PALETTE.length]!;
    parts.push(`<g class="bar" data-label="${esc(b.label)}"><title>${esc(`${b.label}: ${fmtNum(b.value)}`)}</title>`);
    parts.push(`<rect x="${r1(cx - bw / 2)}" y="${r1(sy(b.value))}" width="${r1(bw)}" height="${r1(Math.max(0, m.t + ph - sy(b.value)))}" fill="${color}" opacity="0.85"/>`);
    if (b.min !== undefined && b.max !== undefined && b.max > b.min) {
      parts.push(`<path class="whisker" d="M${r1(cx)} ${r1(sy(b.min))}V${r1(sy(b.max))}M${r1(cx - 8)} ${r1(sy(b.min))}h16M${r1(cx - 8)} ${r1(sy(b.max))}h16" stroke="#111827" stroke-width="1.5"/>`);
    }
    parts.push(`<text class="bar-value" x="${r1(cx)}" y="${r1(sy(Math.max(b.value, b.max ?? 0)) - 5)}" text-anchor="middle" font-size="11" fill="#111827">${esc(fmtNum(b.value))}</text>`);
    parts.push(`<text class="tick x" x="${r1(cx)}" y="${m.t + ph + 16}" text-anchor="middle" font-size="11" fill="#374151">${esc(b.label)}</text></g>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

import type { DashboardState } from './state.js';

const BARS = '▁▂▃▄▅▆▇█';

/** Last `width` values as block characters, scaled to their own max (0 → lowest bar). */
export function sparkline(values: readonly number[], width = 20): string {
  const tail = values.slice(-width);
  const max = Math.max(0, ...tail.filter(Number.isFinite));
  return tail.map((v) => (max <= 0 || !Number.isFinite(v) ? BARS[0] : BARS[Math.min(7, Math.round((Math.max(0, v) / max) * 7))])).join('');
}

/** 10,000 — thousands separators, rounded: rates on a dashboard need no decimals. */
export function fmtInt(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return Math.round(v).toLocaleString('en-US');
}

/** Latency in ms: one decimal under 100, none above (18.4, 412). */
export function fmtMs(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return v < 100 ? String(Math.round(v * 10) / 10) : String(Math.round(v));
}

/** `17×` — how many times fewer writes than events; null when there is nothing to compare. */
export function fmtFactor(events: number, writes: number): string | null {
  if (!(events > 0) || !(writes > 0)) return null;
  const f = events / writes;
  return f >= 10 ? `${Math.round(f)}×` : `${f.toFixed(1)}×`;
}

/** 00:12:41 */
export function fmtClock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(Math.floor(s / 3600))}:${p(Math.floor((s % 3600) / 60))}:${p(s % 60)}`;
}

/** 12:41 under an hour, 1:12:41 past it: the short form for plain lines and the timeline. */
export function fmtShortClock(ms: number): string {
  const full = fmtClock(ms);
  return full.startsWith('00:') ? full.slice(3) : full.replace(/^0/, '');
}

/**
 * The off-TTY progress line (CI logs, pipes): the same facts as the dashboard, greppable,
 * `key=value` with no colour. Unknown values are left out rather than printed as zero.
 */
export function formatPlainLine(s: DashboardState): string {
  const parts = [
    fmtShortClock(s.header.uptimeMs),
    `conns=${Math.round(s.connections.open)}`,
    `sent=${Math.round(s.messages.sentPerSec)}/s`,
    `deliv=${Math.round(s.messages.deliveredPerSec)}/s`,
  ];
  if (s.connections.reconnectingPerSec > 0) parts.push(`reconn=${Math.round(s.connections.reconnectingPerSec)}/s`);
  if (s.latency.p99 !== null) parts.push(`p99=${fmtMs(s.latency.p99)}ms`);
  if (s.cold.lag !== null) parts.push(`lag=${Math.round(s.cold.lag)}`);
  if (s.search && s.search.lag !== null) parts.push(`index_lag=${Math.round(s.search.lag)}`);
  if (s.checker) parts.push(`lost=${s.checker.lost}`, `dup=${s.checker.duplicates}`);
  const broken = s.thresholds.filter((t) => !t.ok);
  if (broken.length > 0) parts.push(`BROKEN=${broken.map((t) => JSON.stringify(t.name)).join(',')}`);
  const down = s.processes.filter((p) => p.health === 'killed' || p.health === 'unreachable');
  if (down.length > 0) parts.push(`down=${down.map((p) => p.name).join(',')}`);
  return parts.join(' ');
}

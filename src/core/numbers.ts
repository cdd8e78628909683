/** Number formatting shared by findings (scenario) and the report writers: pure, no colour, no I/O. */

/** Up to 3 significant decimals for small values, thousands separators for big ones. */
export function fmtNum(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '-∞';
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  const abs = Math.abs(v);
  const digits = abs >= 100 ? 1 : abs >= 1 ? 2 : 3;
  return v.toLocaleString('en-US', { maximumFractionDigits: digits });
}

/** value / base; null when the ratio would be meaningless (missing, or a zero base under a non-zero value). */
export function ratioOf(value: number | null, base: number | null): number | null {
  if (value === null || base === null || !Number.isFinite(value) || !Number.isFinite(base)) return null;
  if (base === 0) return value === 0 ? 1 : null;
  return value / base;
}

/** A factor of 1 or more as people say it: `1.2`, `49`, `300`, `1,200` (no trailing zeros). */
function factor(r: number): string {
  if (r >= 100) return Math.round(r).toLocaleString('en-US');
  if (r >= 10) return String(Math.round(r));
  return String(Number(r.toFixed(r < 2 ? 2 : 1)));
}

/**
 * A ratio a reader can take in: `300×`, `2.4×`, `1×`, `0.87×` near one, and a fraction below
 * one half (`1/300`, `1/7.7`) — never `0.00×`. `—` when there is no ratio.
 */
export function fmtRatio(r: number | null | undefined): string {
  if (r === null || r === undefined || Number.isNaN(r)) return '—';
  if (!Number.isFinite(r)) return '∞×';
  if (r === 0) return '0×';
  if (r < 0) return `${Number(r.toPrecision(2))}×`;
  if (r >= 1) return `${factor(r)}×`;
  if (r >= 0.5) return `${Number(r.toFixed(2))}×`;
  return `1/${factor(1 / r)}`;
}

/** How many times bigger the larger of two positive values is (`49×`); null when either is not positive. */
export function timesApart(a: number, b: number): string | null {
  if (!(a > 0) || !(b > 0)) return null;
  return `${factor(Math.max(a, b) / Math.min(a, b))}×`;
}

/** What the bench prints: markdown lines on stdout (kept for the results file), progress on stderr. */
import fs from 'node:fs';
import path from 'node:path';

const lines: string[] = [];
let tablesTo: NodeJS.WriteStream = process.stdout;

/** With --json, stdout carries the one JSON object: the tables go to stderr (and the results file). */
export function tablesToStderr(): void {
  tablesTo = process.stderr;
}

export function emit(line = ''): void {
  lines.push(line);
  tablesTo.write(`${line}\n`);
}

export function progress(msg: string): void {
  process.stderr.write(`  · ${msg}\n`);
}

/** A markdown table: the first column left-aligned, the others right-aligned (numbers). */
export function table(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  emit(fmt(headers));
  emit(`|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const r of rows) emit(fmt(r));
}

/** Everything emitted so far, to `file`. */
export function saveEmitted(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
}

export const n0 = (x: number) => Math.round(x).toLocaleString('en-US');
export const f1 = (x: number) => x.toFixed(1);
export const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
export const pct = (x: number) => `${x.toFixed(0)}%`;

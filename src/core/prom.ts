/**
 * Just enough of the Prometheus text format (0.0.4) to read chatlab's own /metrics: samples
 * with labels, counters, gauges and histogram buckets. No client library parses it, and the
 * format is line based and small.
 */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseValue(s: string): number {
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return Number(s);
}

/** Labels as in `{channel="inbox",le="0.005"}`; values may hold escaped `\\`, `\"`, `\n`. */
function parseLabels(text: string, start: number): { labels: Record<string, string>; end: number } | null {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    while (text[i] === ' ' || text[i] === ',') i++;
    if (text[i] === '}') return { labels, end: i + 1 };
    const eq = text.indexOf('=', i);
    if (eq === -1 || text[eq + 1] !== '"') return null;
    const key = text.slice(i, eq).trim();
    let value = '';
    i = eq + 2;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') {
        const next = text[i + 1];
        value += next === 'n' ? '\n' : (next ?? '');
        i += 2;
      } else value += text[i++];
    }
    if (i >= text.length) return null;
    labels[key] = value;
    i++;
  }
}

/** Malformed lines are skipped: one bad exporter line must not blank the whole dashboard. */
export function parsePrometheusText(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const nameEnd = line.search(/[{\s]/);
    if (nameEnd <= 0) continue;
    const name = line.slice(0, nameEnd);
    let labels: Record<string, string> = {};
    let rest = line.slice(nameEnd);
    if (rest.startsWith('{')) {
      const parsed = parseLabels(line, nameEnd);
      if (!parsed) continue;
      labels = parsed.labels;
      rest = line.slice(parsed.end);
    }
    const value = parseValue(rest.trim().split(/\s+/)[0] ?? '');
    if (Number.isNaN(value)) continue;
    out.push({ name, labels, value });
  }
  return out;
}

/** Sum of a metric over its label sets (optionally filtered); null when absent. */
export function sumMetric(samples: readonly PromSample[], name: string, where?: (labels: Record<string, string>) => boolean): number | null {
  let found = false;
  let sum = 0;
  for (const s of samples) {
    if (s.name !== name || (where && !where(s.labels))) continue;
    found = true;
    sum += s.value;
  }
  return found ? sum : null;
}

/** Cumulative bucket counts by upper bound (`le`), summed over other labels. */
export function histogramBuckets(samples: readonly PromSample[], name: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket` || s.labels['le'] === undefined) continue;
    const le = parseValue(s.labels['le']);
    out.set(le, (out.get(le) ?? 0) + s.value);
  }
  return out;
}

/**
 * Per-bucket growth between two cumulative snapshots of one process. A bucket that shrank
 * means the process restarted (counters reset), so the new count is all growth.
 */
export function bucketDeltas(prev: Map<number, number> | undefined, cur: Map<number, number>): Map<number, number> {
  const out = new Map<number, number>();
  const reset = prev !== undefined && [...cur].some(([le, c]) => c < (prev.get(le) ?? 0));
  for (const [le, c] of cur) out.set(le, prev === undefined || reset ? c : c - (prev.get(le) ?? 0));
  return out;
}

/**
 * The q-quantile of cumulative buckets, interpolated linearly inside the bucket it falls in
 * (what PromQL's histogram_quantile does). Values past the last finite bound report that
 * bound: the histogram cannot say more. Returns null with no observations.
 */
export function quantileFromBuckets(buckets: Map<number, number>, q: number): number | null {
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (!(total > 0)) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of sorted) {
    if (count >= rank) {
      if (!Number.isFinite(le)) return prevLe;
      const inBucket = count - prevCount;
      return inBucket > 0 ? prevLe + ((le - prevLe) * (rank - prevCount)) / inBucket : le;
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}

/** Sum of a metric in a /metrics text, over the label sets carrying all of `labels` (0 when absent). */
export function sumMetricText(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels);
  return sumMetric(parsePrometheusText(text), name, (l) => wanted.every(([k, v]) => l[k] === v)) ?? 0;
}

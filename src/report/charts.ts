import type { RunResult, VariantResult } from '../scenario/index.js';
import { fmtDuration } from './format.js';
import { lineChart, PALETTE, type ChartMarker, type ChartSeries } from './svg.js';

/**
 * The detail charts under the finding. Variants are overlaid on one chart (one colour each),
 * and a chart that would carry nothing for this run (no latency samples, no reconnect, no
 * fan-out) is left out rather than drawn as a flat line.
 */
export function detailCharts(r: RunResult, skip: { latencyOverTime?: boolean } = {}): string[] {
  const vs = r.variants;
  const color = (i: number) => PALETTE[i % PALETTE.length]!;
  const time = { xLabel: 'time since the variant started (mm:ss)', xFormat: (ms: number) => fmtDuration(ms) };
  const pts = (v: VariantResult, f: (p: VariantResult['series'][number]) => number | null | undefined): Array<[number, number | null]> => v.series.map((p) => [p.tMs, f(p) ?? null]);
  const out: string[] = [];
  const markers = faultMarkers(vs);
  if (!skip.latencyOverTime && vs.some((v) => v.series.some((p) => p.p99 !== null))) {
    const series: ChartSeries[] = vs.flatMap((v, i) => [
      { name: `${v.name} p99`, color: color(i), points: pts(v, (p) => p.p99) },
      { name: `${v.name} p50`, color: color(i), points: pts(v, (p) => p.p50), dashed: true },
    ]);
    out.push(lineChart({ ...time, title: 'send→deliver latency over time', yLabel: 'latency (ms)', markers, series }));
  }
  if (vs.some((v) => v.series.some((p) => p.reconnectsPerSec > 0))) {
    const series: ChartSeries[] = vs.flatMap((v, i) => [
      { name: `${v.name} reconnects/s`, color: color(i), points: pts(v, (p) => p.reconnectsPerSec) },
      { name: `${v.name} open`, color: color(i), points: pts(v, (p) => p.connections), axis: 'right' as const, dashed: true },
    ]);
    out.push(lineChart({ ...time, title: 'reconnect curve', yLabel: 'reconnects / s', yRightLabel: 'open connections', markers, series }));
  }
  const withFanout = vs.map((v, i) => ({ v, i })).filter(({ v }) => v.fanout && v.fanout.some((f) => f.lastRecipient.count > 0));
  if (withFanout.length > 0) {
    const series: ChartSeries[] = withFanout.flatMap(({ v, i }) => {
      const routings = [...new Set(v.fanout!.map((f) => f.routing))];
      return routings.flatMap((routing) => {
        const rows = v.fanout!.filter((f) => f.routing === routing).sort((a, b) => a.groupSize - b.groupSize);
        const label = withFanout.length > 1 && !v.name.includes(routing) ? `${v.name} ${routing}` : routing;
        return [
          { name: `${label} first p99`, color: color(i), points: rows.map((f) => [f.groupSize, f.firstRecipient.p99] as [number, number]), dashed: true },
          { name: `${label} last p99`, color: color(i), points: rows.map((f) => [f.groupSize, f.lastRecipient.p99] as [number, number]) },
        ];
      });
    });
    out.push(lineChart({ title: 'fan-out: first and last recipient p99', xLabel: 'group size (log)', yLabel: 'p99 latency (ms)', xScale: 'log', dots: true, series }));
  }
  return out;
}

/** Faults of every variant, one marker per distinct label (overlaid variants share a time axis). */
function faultMarkers(vs: VariantResult[]): ChartMarker[] {
  const seen = new Set<string>();
  const out: ChartMarker[] = [];
  for (const v of vs) {
    for (const e of v.timeline) {
      if (e.kind !== 'fault' || seen.has(e.label)) continue;
      seen.add(e.label);
      out.push({ x: e.atMs, label: e.label, kind: 'fault' });
    }
  }
  return out;
}

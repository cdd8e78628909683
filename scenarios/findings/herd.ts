import { fmtNum, fmtRatio } from '../../src/core/index.js';
import { noiseClause, spreadOf, stated, type FindingHook, type HeadlineChart, type RunResult, type VariantResult } from '../../src/scenario/index.js';

const med = (v: VariantResult, key: string) => spreadOf(v, key)?.median ?? null;
const seconds = (v: VariantResult) => {
  const s = spreadOf(v, 'recoverMs');
  if (!s) return '—';
  const f = (ms: number) => (ms / 1000).toFixed(1);
  return s.n > 1 && s.min !== s.max ? `${f(s.median)} s (${f(s.min)}–${f(s.max)})` : `${f(s.median)} s`;
};

const HOW = { kill: 'kill -9', term: 'SIGTERM (graceful)' } as const;
const howOf = (v: VariantResult) => HOW[(v.params['victim'] as keyof typeof HOW | undefined) ?? 'kill'] ?? HOW.kill;

/** When the gateway was killed, in the variant's own time (the herd's time zero). */
const killAt = (v: VariantResult) => v.timeline.find((e) => e.kind === 'fault')?.atMs ?? 0;

/** thundering-herd: how hard each backoff policy's herd hits the surviving gateways, and how soon all are back. */
export const herdFinding: FindingHook = {
  measures: ['peakConnectsPerSec', 'recoverMs', 'failedConnects'],
  state(run) {
    const vs = run.variants;
    const clients = vs[0]?.params['clients'];
    const accepted = (v: VariantResult) => (spreadOf(v, 'peakAcceptedPerSec') ? ` (${stated(v, 'peakAcceptedPerSec')} accepted)` : '');
    const shed = (v: VariantResult) => ((med(v, 'failedConnects') ?? 0) > 0 ? `, ${stated(v, 'failedConnects')} connects failed` : '');
    // what saturated: a survivor whose open files reached its limit could take no one more
    const full = (v: VariantResult) => {
      const open = med(v, 'survivorOpenFilesPeak');
      const limit = med(v, 'survivorFileLimit');
      return open !== null && limit !== null && open >= limit - 1 ? ` (a surviving gateway at its open-files limit, ${fmtNum(open)} of ${fmtNum(limit)})` : '';
    };
    const out = (v: VariantResult) => (spreadOf(v, 'stillOut') ? `: ${stated(v, 'stillOut')} still out${full(v)}` : full(v));
    const each = vs.map(
      (v) => `${v.name} peaks at ${stated(v, 'peakConnectsPerSec')} connect attempts/s${accepted(v)}${shed(v)} and ${med(v, 'recoveredAll') === 1 ? `has every client back after ${seconds(v)}` : `has not every client back after ${seconds(v)}${out(v)}`}`,
    );
    const hows = [...new Set(vs.map(howOf))];
    const admit = Number(vs[0]?.params['admitPerSec'] ?? 0);
    const shedding = admit > 0 ? ` behind admission control of ${fmtNum(admit)} handshakes/s per gateway` : '';
    const head = `After ${hows.join(' or ')} of the gateway holding half of ${fmtNum(Number(clients))} clients${shedding}, ${each.join('; ')}.`;
    if (vs.length < 2) return head;
    const peaks = vs.map((v) => ({ v, p: med(v, 'peakConnectsPerSec') ?? 0 })).sort((a, b) => a.p - b.p);
    const lo = peaks[0]!;
    const hi = peaks.at(-1)!;
    if (!(lo.p > 0) || lo.v === hi.v) return head;
    return `${head} The gentlest herd (${lo.v.name}) peaks at ${fmtRatio(lo.p / hi.p)} of the harshest${noiseClause(run, 'peakConnectsPerSec')}.`;
  },
  chart(run): HeadlineChart | undefined {
    const withSeries = run.variants.filter((v) => v.series.length > 0);
    if (withSeries.length === 0) return undefined;
    const offered = withSeries.some((v) => v.series.some((p) => p.connectAttemptsPerSec !== undefined));
    const pts = (v: VariantResult, f: (p: VariantResult['series'][number]) => number | undefined) => v.series.map((p) => [p.tMs - killAt(v), f(p) ?? null] as [number, number | null]);
    return {
      kind: 'lines',
      title: `connects per second around the kill${offered ? ': offered (dashed) and accepted' : ''}`,
      xLabel: 'time since the gateway went (mm:ss)',
      yLabel: 'connects / s',
      xTime: true,
      lines: withSeries.flatMap((v) => [
        { name: `${v.name} accepted`, variant: v.name, points: pts(v, (p) => p.connectsPerSec ?? p.reconnectsPerSec) },
        ...(offered ? [{ name: `${v.name} offered`, variant: v.name, dashed: true, points: pts(v, (p) => p.connectAttemptsPerSec) }] : []),
      ]),
      markers: [{ x: 0, label: `${[...new Set(run.variants.map(howOf))].join(' / ')} gateway`, kind: 'fault' }],
    };
  },
  caveats: (run: RunResult) => [
    ...(run.variants.some((v) => v.series.length > 0) ? ['the chart counts per second; the peaks in the table are over 100 ms windows, scaled to a second'] : []),
    ...run.variants.flatMap((v) => {
      const room = med(v, 'survivorRoom');
      const clients = Number(v.params['clients']);
      return room !== null && room < clients ? [`${v.name}: the surviving gateways could hold ${fmtNum(room)} of ${fmtNum(clients)} clients under their open-files limits; the rest had to wait for the restart`] : [];
    }),
  ],
};

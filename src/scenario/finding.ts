import { errorMessage, fmtNum, fmtRatio, ratioOf } from '../core/index.js';
import type { Finding, FindingMeasure, HeadlineChart, RunResult, VariantResult } from './result.js';
import { judge, judgementText, smallSampleNote, spreadOf, winnersOf, type Spread } from './spread.js';
import type { ScenarioDefinition } from './types.js';

/**
 * The finding a report opens with: the scenario's own (its `finding` hook) when it has one,
 * else a generic one; either way with the headline measures' spread and verdict, the settings
 * a reader needs and the caveats (few samples, one run). A hook that throws does not lose the
 * run: the generic finding stands in and the error is a caveat.
 */
export function buildFinding(def: Pick<ScenarioDefinition, 'finding' | 'better'>, run: RunResult): Finding {
  const generic = genericFinding(run);
  const hook = def.finding;
  if (!hook || run.variants.length === 0) return generic;
  try {
    const keys = typeof hook.measures === 'function' ? hook.measures(run) : hook.measures;
    const measures = keys.map((k) => findingMeasure(run, k, def.better?.[k]));
    return {
      text: hook.state(run),
      measures,
      settings: [...(hook.settings?.(run) ?? []), ...generic.settings],
      caveats: [...(hook.caveats?.(run) ?? []), ...genericCaveats(run, measures)],
      ...(hook.chart ? withChart(hook.chart(run)) : {}),
    };
  } catch (e) {
    return { ...generic, caveats: [`the scenario's own finding failed (${errorMessage(e)}); this is the generic one`, ...generic.caveats] };
  }
}

const withChart = (chart: HeadlineChart | undefined) => (chart ? { chart } : {});

const betterOf = (run: RunResult, key: string, given?: 'lower' | 'higher'): 'lower' | 'higher' => {
  if (given) return given;
  const name = key.startsWith('measures.') ? key.slice(9) : key;
  const b = run.variants.find((v) => v.better?.[name])?.better?.[name];
  if (b) return b;
  return /^checker\.(sent|acked|delivered|expectedDeliveries)$/.test(key) || key === 'latency.count' ? 'higher' : 'lower';
};

/** One headline measure across the variants, with the one winner rule (src/scenario/spread.ts). */
export function findingMeasure(run: RunResult, key: string, better?: 'lower' | 'higher'): FindingMeasure {
  const b = betterOf(run, key, better);
  const spreads = run.variants.map((v) => spreadOf(v, key));
  const j = judge(spreads, b);
  return { measure: key, better: b, values: spreads, verdict: judgementText(j, run.variants.map((v) => v.name)), best: j.kind === 'better' ? j.best : null, winners: winnersOf(j) };
}

/** `35 ms` for one run, `35 ms (27–77 over 3 runs)` for repeats. */
export function fmtSpread(s: Spread | null, unit = ''): string {
  if (!s) return '—';
  const u = unit ? ` ${unit}` : '';
  if (s.n < 2 || s.min === s.max) return `${fmtNum(s.median)}${u}`;
  return `${fmtNum(s.median)}${u} (${fmtNum(s.min)}–${fmtNum(s.max)} over ${s.n} runs)`;
}

/** A measure of a variant as a sentence gives it: the median, with its range when repeated. */
export function stated(v: VariantResult, key: string, unit = ''): string {
  return fmtSpread(spreadOf(v, key), unit);
}

/** The variant whose parameter has this value (`routing`, `group`). */
export function variantWith(run: RunResult, param: string, value: string): VariantResult | undefined {
  return run.variants.find((v) => String(v.params[param]) === value);
}

/** `; the runs overlap: no difference measured` when the verdict says so, else ''. */
export function noiseClause(run: RunResult, key: string, better?: 'lower' | 'higher'): string {
  const m = findingMeasure(run, key, better);
  if (m.verdict === 'no difference measured') return ' — the runs overlap: no difference measured';
  if (m.verdict === 'one run each: spread unknown') return ' (one run each: spread unknown)';
  return '';
}

/** Which parameters differ between the variants, and the fixed ones. */
function settingsOf(run: RunResult): string[] {
  const vs = run.variants;
  if (vs.length === 0) return [];
  const keys = [...new Set(vs.flatMap((v) => Object.keys(v.params)))];
  const varied = keys.filter((k) => new Set(vs.map((v) => String(v.params[k]))).size > 1);
  const fixed = keys.filter((k) => !varied.includes(k));
  const out: string[] = [];
  if (varied.length > 0) out.push(`variants differ in ${varied.map((k) => `${k} (${vs.map((v) => String(v.params[k])).join(' · ')})`).join(', ')}`);
  if (fixed.length > 0) out.push(`the same in every variant: ${fixed.map((k) => `${k}=${String(vs[0]!.params[k])}`).join(', ')}`);
  const repeats = Math.max(...vs.map((v) => v.repeats?.length ?? 1));
  if (repeats > 1) out.push(`each variant ran ${repeats} times, interleaved; values are medians, ranges min–max`);
  return out;
}

function genericCaveats(run: RunResult, measures: FindingMeasure[]): string[] {
  const out: string[] = [];
  if (run.interrupted) out.push(`interrupted: only ${run.variants.length} variant(s) finished`);
  if (run.variants.length > 1 && run.variants.every((v) => !v.repeats || v.repeats.length < 2) && measures.some((m) => m.verdict !== 'equal')) {
    out.push('one run per variant: a difference may be noise; `--repeat 3` measures the spread');
  }
  for (const v of run.variants) {
    const note = smallSampleNote(v.latency.count, 'latency samples');
    if (note && v.latency.count > 0) out.push(`${v.name}: ${note}`);
  }
  return out;
}

/** The scenario's own measures, without the engine's. */
const ownMeasures = (v: VariantResult) => Object.keys(v.measures ?? {}).filter((k) => k !== 'peakConnections');

/** A finding for any run: the largest difference between variants, or what a single variant delivered. */
export function genericFinding(run: RunResult): Finding {
  const vs = run.variants;
  const base = { settings: settingsOf(run), generic: true as const };
  if (run.error) return { ...base, text: `The run could not be done: ${run.error}`, measures: [], caveats: [] };
  if (vs.length === 0) return { ...base, text: 'No variant finished: nothing was measured.', measures: [], caveats: genericCaveats(run, []) };
  const delivery = deliverySentence(vs);
  let text = delivery;
  let keys: string[] = vs.some((v) => v.latency.count > 0) ? ['latency.p99'] : [];
  if (vs.length > 1) {
    const names = [...new Set(vs.flatMap(ownMeasures))];
    const widest = names
      .map((name) => {
        const values = vs.map((v) => v.measures[name]).filter((x): x is number => typeof x === 'number' && x > 0);
        return { name, apart: values.length === vs.length ? Math.max(...values) / Math.min(...values) : 1 };
      })
      .sort((a, b) => b.apart - a.apart)[0];
    if (widest && widest.apart > 1) {
      const k = `measures.${widest.name}`;
      // one comparison, not a clause per variant: the worst variant against the best, and by how much
      const higherBetter = vs[0]!.better?.[widest.name] === 'higher';
      const sorted = [...vs].sort((a, b) => b.measures[widest.name]! - a.measures[widest.name]!);
      const [worst, best] = higherBetter ? [sorted.at(-1)!, sorted[0]!] : [sorted[0]!, sorted.at(-1)!];
      const r = ratioOf(Math.max(...vs.map((v) => v.measures[widest.name]!)), Math.min(...vs.map((v) => v.measures[widest.name]!)));
      text = `${worst.name} ${higherBetter ? 'does worst' : 'costs most'} in ${widest.name}: ${stated(worst, k)} against ${stated(best, k)} for ${best.name}, ${fmtRatio(r)} apart${noiseClause(run, k)}. ${delivery}`;
      keys = [k, ...keys];
    }
  } else {
    const own = ownMeasures(vs[0]!).slice(0, 4);
    if (own.length > 0) text = `${delivery} ${own.map((k) => `${k} ${stated(vs[0]!, `measures.${k}`)}`).join(', ')}.`;
  }
  const measures = keys.map((k) => findingMeasure(run, k));
  const chart = latencyOverTimeChart(run);
  return { ...base, text, measures, caveats: genericCaveats(run, measures), ...withChart(chart) };
}

/** send→deliver p99 per second, one line per variant, the faults marked: the chart of a run about latency under faults. */
export function latencyOverTimeChart(run: RunResult): HeadlineChart | undefined {
  const withP99 = run.variants.filter((v) => v.series.some((p) => p.p99 !== null));
  if (withP99.length === 0) return undefined;
  return {
    kind: 'lines',
    title: 'send→deliver p99 over time',
    xLabel: 'time since the variant started (mm:ss)',
    yLabel: 'p99 latency (ms)',
    xTime: true,
    lines: withP99.map((v) => ({ name: v.name, variant: v.name, points: v.series.map((p) => [p.tMs, p.p99] as [number, number | null]) })),
    markers: run.variants[0]!.timeline.filter((e) => e.kind === 'fault').map((e) => ({ x: e.atMs, label: e.label, kind: 'fault' as const })),
  };
}

export interface StepLine {
  /** Measures named `<key>@<x>`, x a number (a group size, a channel count, an offered load). */
  key: string;
  name: string;
  axis?: 'left' | 'right';
  dashed?: boolean;
}

/**
 * A scenario that steps a quantity (channels, offered load) keeps a measure per step as
 * `<key>@<step>`; this draws them against the step, one line per variant and key (medians
 * over repeats). Undefined when no variant has such a measure.
 */
export function stepsChart(
  run: RunResult,
  o: {
    title: string;
    xLabel: string;
    yLabel: string;
    yRightLabel?: string;
    xScale?: 'linear' | 'log';
    lines: StepLine[];
    /** Names a variant's lines (`<name> <line>`); by default the variant's name, and only when there are several. */
    seriesName?: (v: VariantResult) => string;
  },
): HeadlineChart | undefined {
  const prefix = (v: VariantResult) => (o.seriesName ? `${o.seriesName(v)} ` : run.variants.length > 1 ? `${v.name} ` : '');
  const lines = run.variants.flatMap((v) =>
    o.lines.flatMap((l) => {
      const steps = Object.keys(v.measures)
        .flatMap((k) => (k.startsWith(`${l.key}@`) && Number.isFinite(Number(k.slice(l.key.length + 1))) ? [Number(k.slice(l.key.length + 1))] : []))
        .sort((a, b) => a - b);
      if (steps.length === 0) return [];
      const points = steps.map((x) => [x, spreadOf(v, `${l.key}@${x}`)?.median ?? null] as [number, number | null]);
      return [{ name: `${prefix(v)}${l.name}`, variant: v.name, points, ...(l.axis ? { axis: l.axis } : {}), ...(l.dashed ? { dashed: true } : {}) }];
    }),
  );
  if (lines.length === 0) return undefined;
  return { kind: 'lines', title: o.title, xLabel: o.xLabel, yLabel: o.yLabel, ...(o.yRightLabel ? { yRightLabel: o.yRightLabel } : {}), xScale: o.xScale ?? 'linear', lines };
}

/** One bar per variant: the median of a measure, with its range over repeats. */
export function barsPerVariant(run: RunResult, key: string, title: string, yLabel: string): HeadlineChart | undefined {
  const bars = run.variants.flatMap((v) => {
    const s = spreadOf(v, key);
    return s ? [{ label: v.name, value: s.median, ...(s.n > 1 ? { min: s.min, max: s.max } : {}) }] : [];
  });
  return bars.length > 0 ? { kind: 'bars', title, yLabel, bars } : undefined;
}

/** `1,200 of 1,200 expected deliveries arrived (lost 0, duplicates 0)`, over every variant. */
export function deliverySentence(vs: VariantResult[]): string {
  const sent = vs.reduce((s, v) => s + v.checker.sent, 0);
  if (sent === 0) return 'No chat messages were checked in this run.';
  const lost = vs.reduce((s, v) => s + v.checker.lost, 0);
  const dup = vs.reduce((s, v) => s + v.checker.duplicates, 0);
  const expected = vs.reduce((s, v) => s + v.checker.expectedDeliveries, 0);
  const where = vs.length > 1 ? ' over all variants' : '';
  const p99 = vs.length === 1 && vs[0]!.latency.count > 0 ? `; send→deliver p99 ${stated(vs[0]!, 'latency.p99', 'ms')}` : '';
  return `${fmtNum(expected - lost)} of ${fmtNum(expected)} expected deliveries arrived${where} (lost ${fmtNum(lost)}, duplicates ${fmtNum(dup)})${p99}.`;
}

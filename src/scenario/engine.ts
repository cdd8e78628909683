import { EventEmitter } from 'node:events';
import os from 'node:os';
import { ChatlabError, ErrorCodes, errorMessage } from '../core/index.js';
import { readState } from '../stack/index.js';
import { checkDeliveries } from './checker/index.js';
import { VariantContext } from './context.js';
import { foldRepeats, peakConnections, vacuousGuard } from './guard.js';
import type { PoolSecond } from './pool.js';
import { prepareRun, type PreparedVariant } from './prepare.js';
import { applyServiceOptions, applyStoreSettings, readServiceOptions, restoreServiceOptions, restoreStoreSettings, snapshotStoreSettings } from './reconfigure.js';
import { REPORT_SCHEMA_VERSION, type FanoutRow, type RunResult, type SeriesPoint, type TimelineEvent, type VariantResult } from './result.js';
import { buildFinding } from './finding.js';
import { median } from './spread.js';
import { evaluate } from './thresholds.js';
import type { ScenarioDefinition, ScenarioOutcome } from './types.js';
import { paramsForReport } from './variants.js';

/** What the engine tells its listeners (the dashboard and progress lines only listen). */
export interface EngineEvents {
  'variant-start': [{ index: number; total: number; name: string }];
  timeline: [TimelineEvent & { variant: string }];
  second: [{ variant: string; point: SeriesPoint; pool: PoolSecond }];
  'variant-end': [VariantResult];
}

export interface RunOptions {
  stateDir: string;
  sets: Record<string, string[]>;
  seed: number;
  /** Replace the scenario's thresholds. */
  thresholds?: string[];
  config: Record<string, unknown>;
  /** Run each variant this many times, interleaved (v1 v2 v1 v2 …). Default 1. */
  repeat?: number;
  /** Aborted (Ctrl-C): the running variant is stopped and the result holds the finished ones, `interrupted: true`. */
  signal?: AbortSignal;
}

const emptyChecker = () => checkDeliveries({ sends: [], deliveries: [] });

/** Runs every variant of a scenario in turn on the running stack and returns the result. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each scenario has its own params type
export async function runScenario(def: ScenarioDefinition<any>, o: RunOptions, events = new EventEmitter<EngineEvents>()): Promise<RunResult> {
  const state = readState(o.stateDir);
  if (!state || state.phase !== 'running') throw new ChatlabError(ErrorCodes.NOT_RUNNING, 'no running stack to run on');
  if (def.needsNativeInfra && state.provider !== 'native') {
    throw new ChatlabError(ErrorCodes.SCENARIO, `${def.name} injects process faults into Redis/Kafka/Cassandra and needs --infra native (this stack: ${state.provider})`);
  }
  // validate every variant before running any (bad input fails fast, exit 2)
  const prepared = prepareRun(def, o.sets, o.thresholds);
  for (const p of prepared) {
    const why = def.cannotRun?.(p.params, state);
    if (why) throw new ChatlabError(ErrorCodes.CONFIG, `${def.name} (variant ${p.spec.name}): ${why}`);
  }
  const repeat = Math.max(1, o.repeat ?? 1);
  const startedAt = new Date();
  const runId = `${startedAt.toISOString().replace(/[:.]/g, '-').slice(0, 19)}-${def.name}`;
  const before = readServiceOptions(o.stateDir);
  const storeBefore = await snapshotStoreSettings(o.stateDir);
  const runs: Array<VariantResult[]> = prepared.map(() => []);
  const info = (line: string) => events.emit('timeline', { atMs: 0, kind: 'info', label: line, variant: 'restore' });
  let interrupted = false;
  try {
    for (let r = 0; r < repeat && !interrupted; r++) {
      for (const [index, p] of prepared.entries()) {
        if (o.signal?.aborted) {
          interrupted = true;
          break;
        }
        events.emit('variant-start', { index, total: prepared.length, name: repeat > 1 ? `${p.spec.name} (run ${r + 1}/${repeat})` : p.spec.name });
        const v = await runVariant(def, p, { ...o, runId, index: index + r * prepared.length }, events);
        if (v === 'interrupted') {
          interrupted = true;
          break;
        }
        runs[index]!.push(v);
      }
    }
  } finally {
    // a run leaves the services as it found them, Ctrl-C included
    await restoreServiceOptions(o.stateDir, before, info).catch((e: unknown) => info(`restore failed: ${errorMessage(e)}`));
    await restoreStoreSettings(o.stateDir, storeBefore, info).catch((e: unknown) => info(`restore failed: ${errorMessage(e)}`));
  }
  const variants = prepared.flatMap((p, i) => {
    const done = runs[i]!;
    if (done.length === 0) return [];
    return [combine(p, done)];
  });
  const result: RunResult = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    scenario: def.name,
    description: def.description,
    ok: !interrupted && variants.every((v) => v.thresholds.every((t) => t.ok) && v.errors.length === 0),
    ...(interrupted ? { interrupted: true } : {}),
    runId,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    environment: {
      hostname: os.hostname(),
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      os: `${os.type()} ${os.release()}`,
      node: process.version,
      provider: state.provider ?? 'unknown',
      topology: state.topology,
      ...storeBefore,
      versions: state.versions,
      chatlab: '0.1.0',
      seed: o.seed,
      config: { ...o.config, sets: { ...(def.defaultSets ?? {}), ...o.sets }, ...(repeat > 1 ? { repeat } : {}) },
      serviceOptions: before,
    },
    variants,
  };
  result.finding = buildFinding(def, result);
  return result;
}

/** One variant's repeats folded into one result (thresholds on the folded values, guards from every run). */
function combine(p: PreparedVariant, done: VariantResult[]): VariantResult {
  if (done.length === 1) return done[0]!;
  const folded = foldRepeats(done);
  const guards = done.flatMap((v) => v.thresholds.filter((t) => t.name.startsWith('guard:')));
  return {
    ...done[0]!,
    ...folded,
    thresholds: [...p.checks.map((t) => evaluate(t, folded)), ...guards],
    errors: done.flatMap((v) => v.errors),
    durationMs: done.reduce((s, v) => s + v.durationMs, 0),
    ...(done[0]!.fanout ? { fanout: foldFanout(done) } : {}),
    repeats: done.map((v) => ({ checker: v.checker, latency: v.latency, measures: v.measures, thresholds: v.thresholds, errors: v.errors, durationMs: v.durationMs })),
  };
}

/** Fan-out rows of the repeats, row by row: the median of each number (latency per percentile). */
function foldFanout(done: VariantResult[]): FanoutRow[] {
  return done[0]!.fanout!.map((row, i) => {
    const same = done.map((v) => v.fanout?.[i]).filter((r): r is FanoutRow => r !== undefined && r.groupSize === row.groupSize);
    const med = (f: (r: FanoutRow) => number) => median(same.map(f));
    const lat = (pick: (r: FanoutRow) => FanoutRow['firstRecipient']) =>
      Object.fromEntries(Object.keys(pick(row)).map((k) => [k, med((r) => (pick(r) as unknown as Record<string, number>)[k] ?? 0)])) as unknown as FanoutRow['firstRecipient'];
    return { ...row, publishesPerMessage: med((r) => r.publishesPerMessage), bytesPerMessage: med((r) => r.bytesPerMessage), firstRecipient: lat((r) => r.firstRecipient), lastRecipient: lat((r) => r.lastRecipient) };
  });
}

async function runVariant(
  def: ScenarioDefinition,
  p: PreparedVariant,
  o: RunOptions & { runId: string; index: number },
  events: EventEmitter<EngineEvents>,
): Promise<VariantResult | 'interrupted'> {
  const { spec, params } = p;
  const timeline: TimelineEvent[] = [];
  const series: SeriesPoint[] = [];
  const errors: string[] = [];
  const t0 = Date.now();
  const onTimeline = (e: TimelineEvent) => {
    timeline.push(e);
    events.emit('timeline', { ...e, variant: spec.name });
  };
  await applyStoreSettings(o.stateDir, p.store, (line) => onTimeline({ atMs: 0, kind: 'info', label: line }));
  if (def.serviceOptions) await applyServiceOptions(o.stateDir, def.serviceOptions(params), (line) => onTimeline({ atMs: 0, kind: 'info', label: line }));
  const serviceOptions = readServiceOptions(o.stateDir);
  const prefix = `r${o.runId.slice(11, 19).replace(/-/g, '')}v${o.index}`;
  const ctx = new VariantContext(o.runId, o.seed, o.stateDir, prefix, {
    onTimeline,
    onSecond: (point, pool) => {
      series.push(point);
      events.emit('second', { variant: spec.name, point, pool });
    },
  });
  let outcome: ScenarioOutcome = { measures: {} };
  let aborted = false;
  try {
    const run = def.run(ctx, params);
    run.catch(() => {}); // an interrupted run keeps failing in the background once its workers are gone
    const stop = new Promise<'aborted'>((resolve) => {
      if (o.signal?.aborted) resolve('aborted');
      o.signal?.addEventListener('abort', () => resolve('aborted'), { once: true });
    });
    const first = await Promise.race([run, stop]);
    if (first === 'aborted') aborted = true;
    else outcome = first;
  } catch (err) {
    errors.push(errorMessage(err));
    onTimeline({ atMs: Date.now() - t0, kind: 'info', label: `run failed: ${errorMessage(err)}` });
  } finally {
    await ctx.close();
  }
  if (aborted) return 'interrupted';
  const checker = outcome.checker ?? emptyChecker();
  const base = {
    checker,
    latency: outcome.latency ?? ctx.latency.summary(),
    measures: { ...outcome.measures, ...(series.length > 0 ? { peakConnections: peakConnections(series) } : {}) },
  };
  const result: VariantResult = {
    name: spec.name,
    params: paramsForReport(params),
    ...base,
    thresholds: [...p.checks.map((t) => evaluate(t, base)), ...vacuousGuard(checker, series, errors.length > 0)],
    better: def.better,
    timeline,
    series,
    fanout: outcome.fanout,
    ...(outcome.curves ? { curves: outcome.curves } : {}),
    errors,
    durationMs: Date.now() - t0,
    serviceOptions,
  };
  events.emit('variant-end', result);
  return result;
}

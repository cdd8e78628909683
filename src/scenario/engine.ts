import { EventEmitter } from 'node:events';
import os from 'node:os';
import { ChatlabError, ErrorCodes, errorMessage } from '../core/index.js';
import { readState } from '../stack/index.js';
import { checkDeliveries } from './checker/index.js';
import { VariantContext } from './context.js';
import type { PoolSecond } from './pool.js';
import { applyServiceOptions } from './reconfigure.js';
import { REPORT_SCHEMA_VERSION, type RunResult, type SeriesPoint, type TimelineEvent, type VariantResult } from './result.js';
import { evaluate, parseThreshold } from './thresholds.js';
import type { ScenarioDefinition } from './types.js';
import { expandVariants, paramsForReport, type VariantSpec } from './variants.js';

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
  const sets = { ...(def.defaultSets ?? {}), ...o.sets };
  const specs = expandVariants(sets);
  // validate every variant before running any (bad input fails fast, exit 2)
  const parsed = specs.map((spec) => ({ spec, params: parseParams(def, spec) }));
  const thresholds = (params: Record<string, unknown>) =>
    (o.thresholds ?? (typeof def.thresholds === 'function' ? def.thresholds(params) : def.thresholds)).map(parseThreshold);
  parsed.forEach((p) => thresholds(p.params));

  const startedAt = new Date();
  const runId = `${startedAt.toISOString().replace(/[:.]/g, '-').slice(0, 19)}-${def.name}`;
  const variants: VariantResult[] = [];
  for (const [index, { spec, params }] of parsed.entries()) {
    events.emit('variant-start', { index, total: parsed.length, name: spec.name });
    variants.push(await runVariant(def, spec, params, { ...o, runId, index, checks: thresholds(params) }, events));
  }
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    scenario: def.name,
    description: def.description,
    ok: variants.every((v) => v.thresholds.every((t) => t.ok) && v.errors.length === 0),
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
      versions: state.versions,
      chatlab: '0.1.0',
      seed: o.seed,
      config: { ...o.config, sets },
    },
    variants,
  };
}

function parseParams(def: ScenarioDefinition, spec: VariantSpec): Record<string, unknown> {
  const parsed = def.params.safeParse(spec.overrides);
  if (!parsed.success) {
    throw new ChatlabError(ErrorCodes.CONFIG, `${def.name}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

async function runVariant(
  def: ScenarioDefinition,
  spec: VariantSpec,
  params: Record<string, unknown>,
  o: RunOptions & { runId: string; index: number; checks: ReturnType<typeof parseThreshold>[] },
  events: EventEmitter<EngineEvents>,
): Promise<VariantResult> {
  const timeline: TimelineEvent[] = [];
  const series: SeriesPoint[] = [];
  const errors: string[] = [];
  const t0 = Date.now();
  const onTimeline = (e: TimelineEvent) => {
    timeline.push(e);
    events.emit('timeline', { ...e, variant: spec.name });
  };
  if (def.serviceOptions) await applyServiceOptions(o.stateDir, def.serviceOptions(params), (line) => onTimeline({ atMs: 0, kind: 'info', label: line }));
  const prefix = `r${o.runId.slice(11, 19).replace(/-/g, '')}v${o.index}`;
  const ctx = new VariantContext(o.runId, o.seed, o.stateDir, prefix, {
    onTimeline,
    onSecond: (point, pool) => {
      series.push(point);
      events.emit('second', { variant: spec.name, point, pool });
    },
  });
  let outcome: Awaited<ReturnType<ScenarioDefinition['run']>> = { measures: {} };
  try {
    outcome = await def.run(ctx, params);
  } catch (err) {
    errors.push(errorMessage(err));
    onTimeline({ atMs: Date.now() - t0, kind: 'info', label: `run failed: ${errorMessage(err)}` });
  } finally {
    await ctx.close();
  }
  const base = {
    checker: outcome.checker ?? emptyChecker(),
    latency: outcome.latency ?? ctx.latency.summary(),
    measures: outcome.measures,
  };
  const result: VariantResult = {
    name: spec.name,
    params: paramsForReport(params),
    ...base,
    thresholds: o.checks.map((t) => evaluate(t, base)),
    better: def.better,
    timeline,
    series,
    fanout: outcome.fanout,
    errors,
    durationMs: Date.now() - t0,
  };
  events.emit('variant-end', result);
  return result;
}

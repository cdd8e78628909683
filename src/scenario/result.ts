import type { CheckerResult } from './checker/index.js';
import type { LatencySummary } from '../core/index.js';

/**
 * The result of `chatlab run`: printed by `--json` and written as report.json. Its core fields
 * are fixed by docs/protocol.md (scenario, ok, variants[].name/params/checker/latency/thresholds);
 * everything else is chatlab's extension. Bump REPORT_SCHEMA_VERSION on breaking changes.
 */
export const REPORT_SCHEMA_VERSION = 1;

export type ParamValue = string | number | boolean;

export interface ThresholdResult {
  /** e.g. `lost == 0`, `p99 < 250` */
  name: string;
  /** The right-hand side, as written. */
  limit: number;
  /** The measured value (null when the run produced none). */
  value: number | null;
  ok: boolean;
}

export interface TimelineEvent {
  /** ms since the variant started */
  atMs: number;
  kind: 'phase' | 'fault' | 'info' | 'threshold';
  label: string;
}

/** One sample a second of what the run saw (for charts and the live dashboard). */
export interface SeriesPoint {
  tMs: number;
  connections: number;
  sendsPerSec: number;
  deliveriesPerSec: number;
  reconnectsPerSec: number;
  /** send→deliver latency of deliveries in this second (ms) */
  p50: number | null;
  p99: number | null;
  /** Connect attempts started (offered) and completed (accepted) this second; absent in older reports. */
  connectAttemptsPerSec?: number;
  connectsPerSec?: number;
}

/** One row of a fan-out measurement (large-group-fanout). */
export interface FanoutRow {
  groupSize: number;
  routing: string;
  messages: number;
  /** Redis PUBLISH commands per message */
  publishesPerMessage: number;
  /** bytes published to Redis per message */
  bytesPerMessage: number;
  firstRecipient: LatencySummary;
  lastRecipient: LatencySummary;
}

export interface VariantResult {
  name: string;
  params: Record<string, ParamValue>;
  checker: CheckerResult;
  latency: LatencySummary;
  thresholds: ThresholdResult[];
  /** Scenario-specific measures, compared side by side across variants (name → value). */
  measures: Record<string, number>;
  /** Which direction is better for each measure (default: lower). */
  better?: Record<string, 'lower' | 'higher'>;
  timeline: TimelineEvent[];
  series: SeriesPoint[];
  fanout?: FanoutRow[];
  /** Scenario-specific curves for the headline chart (name → [x, y]; x as the scenario defines it). */
  curves?: Record<string, Array<[number, number | null]>>;
  /** Run problems that did not stop it (counted, not thrown). */
  errors: string[];
  durationMs: number;
  /** The services' effective options while this variant ran (service name → options). */
  serviceOptions?: Record<string, Record<string, unknown>>;
  /** With `--repeat N`: each run of this variant (interleaved with the others); the fields above fold them (counts summed, latency and measures the median). */
  repeats?: Array<Pick<VariantResult, 'checker' | 'latency' | 'measures' | 'thresholds' | 'errors' | 'durationMs'>>;
}

/**
 * Which rule decided a baseline row: `regressed` (worse beyond the tolerance, the noise floor,
 * with enough samples, and outside the repeats' spread), or the first rule that let it pass.
 */
export type BaselineRule = 'regressed' | 'not worse' | 'within tolerance' | 'below floor' | 'few samples' | 'within spread' | 'missing';

/** `--baseline`: each measure against a blessed run, in its better direction. */
export interface BaselineComparison {
  baseline: string;
  maxRegressPct: number;
  rows: Array<{
    variant: string;
    measure: string;
    baseline: number | null;
    value: number | null;
    better: 'lower' | 'higher';
    regressPct: number | null;
    ok: boolean;
    /** How much worse, in the measure's unit (negative: better); absent in reports written before the noise floor. */
    worse?: number | null;
    /** The measure's noise floor and its unit. */
    floor?: number;
    unit?: string;
    rule?: BaselineRule;
  }>;
  ok: boolean;
}

export interface RunEnvironment {
  hostname: string;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  provider: string;
  /** single or cluster (absent in reports written before topologies existed: single). */
  topology?: string;
  /** The cluster's chat.messages min.insync.replicas when the run started (restored at the end). */
  minInsyncReplicas?: number;
  versions: Record<string, string>;
  chatlab: string;
  seed: number;
  /** Options the run was started with (flags, --set), so it can be repeated. */
  config: Record<string, unknown>;
  /** The services' effective options when the run started (service name → options); restored at the end. */
  serviceOptions?: Record<string, Record<string, unknown>>;
}

/** One line of a headline chart; `variant` names the variant it belongs to (same colour per variant). */
export interface ChartLine {
  name: string;
  variant?: string;
  axis?: 'left' | 'right';
  dashed?: boolean;
  /** [x, y]; a null y breaks the line. */
  points: Array<[number, number | null]>;
}

/** One bar (a variant's value) with the min–max of its repeats when there were any. */
export interface ChartBar {
  label: string;
  value: number;
  min?: number;
  max?: number;
}

/** The chart a finding rests on, as data: the report draws it, report.json keeps it. */
export type HeadlineChart =
  | {
      kind: 'lines';
      title: string;
      xLabel: string;
      yLabel: string;
      yRightLabel?: string;
      xScale?: 'linear' | 'log';
      /** x values are milliseconds: ticks print as mm:ss (negative before the reference point). */
      xTime?: boolean;
      lines: ChartLine[];
      markers?: Array<{ x: number; label: string; kind: 'fault' | 'phase' }>;
    }
  | { kind: 'bars'; title: string; yLabel: string; bars: ChartBar[] };

/** One headline measure across the variants: median and range per variant, and the judgement. */
export interface FindingMeasure {
  measure: string;
  better: 'lower' | 'higher';
  /** One per variant, in the run's order (null: the variant has no such measure). */
  values: Array<{ median: number; min: number; max: number; n: number } | null>;
  /** `full-jitter better`, `no difference measured`, `equal`, `one run each: spread unknown`. */
  verdict: string;
  /** Index of the better variant when the ranges are apart. */
  best: number | null;
  /** Every variant called better (the best and those tied with it); empty when none is. */
  winners?: number[];
}

/** What the run found, first thing in every report (and `finding` in report.json). */
export interface Finding {
  /** One or two sentences computed from the run. */
  text: string;
  /** The headline measures with their spread and verdict. */
  measures: FindingMeasure[];
  /** Parameters and options needed to read it (`groupThreshold=100: hybrid uses ...`). */
  settings: string[];
  /** Why to take it with care: few samples, one run, a failed run. */
  caveats: string[];
  chart?: HeadlineChart;
  /** Set when the scenario states no finding of its own and this is the generic one. */
  generic?: boolean;
}

export interface RunResult {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  scenario: string;
  description: string;
  /** The finding (absent in reports written before it existed: the report then derives the generic one). */
  finding?: Finding;
  ok: boolean;
  /** Set when the run could not be done (exit 2): why. */
  error?: string;
  /** Stopped by Ctrl-C / SIGTERM: `variants` holds only those that finished. */
  interrupted?: boolean;
  baseline?: BaselineComparison;
  runId: string;
  startedAt: string;
  finishedAt: string;
  environment: RunEnvironment;
  variants: VariantResult[];
}

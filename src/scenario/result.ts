import type { CheckerResult } from './checker/index.js';
import type { LatencySummary } from '../core/index.js';

/**
 * The result of `chatlab run`: printed by `--json` and written as report.json. Its core fields
 * are fixed by PROTOCOL.md (scenario, ok, variants[].name/params/checker/latency/thresholds);
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
  /** Run problems that did not stop it (counted, not thrown). */
  errors: string[];
  durationMs: number;
  /** The services' effective options while this variant ran (service name → options). */
  serviceOptions?: Record<string, Record<string, unknown>>;
  /** With `--repeat N`: each run of this variant (interleaved with the others); the fields above fold them (counts summed, latency and measures the median). */
  repeats?: Array<Pick<VariantResult, 'checker' | 'latency' | 'measures' | 'thresholds' | 'errors' | 'durationMs'>>;
}

/** `--baseline`: each measure against a blessed run, in its better direction. */
export interface BaselineComparison {
  baseline: string;
  maxRegressPct: number;
  rows: Array<{ variant: string; measure: string; baseline: number | null; value: number | null; better: 'lower' | 'higher'; regressPct: number | null; ok: boolean }>;
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
  versions: Record<string, string>;
  chatlab: string;
  seed: number;
  /** Options the run was started with (flags, --set), so it can be repeated. */
  config: Record<string, unknown>;
  /** The services' effective options when the run started (service name → options); restored at the end. */
  serviceOptions?: Record<string, Record<string, unknown>>;
}

export interface RunResult {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  scenario: string;
  description: string;
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

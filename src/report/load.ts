import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ChatlabError, ErrorCodes, errorMessage } from '../core/index.js';
import { REPORT_SCHEMA_VERSION, type RunResult } from '../scenario/index.js';

/**
 * report.json as read back from disk. Validated once here, at the edge; fields
 * the docs/protocol.md core does not fix get defaults so an older or hand-trimmed report still
 * compares. Unknown fields pass through: scenarios add their own.
 */
const num = z.number();
const latency = z.looseObject({ count: num, p50: num, p90: num, p99: num, p999: num, max: num });
const example = z.looseObject({ conversationId: z.string(), clientMsgId: z.string() });
const examples = z.array(example).default([]);
const checker = z.looseObject({
  sent: num,
  acked: num,
  expectedDeliveries: num,
  delivered: num,
  lost: num,
  duplicates: num,
  reordered: num,
  late: num,
  duplicatesRaw: num.default(0),
  reassigned: num.default(0),
  deliveredUnacked: num.default(0),
  unexpected: num.default(0),
  leaks: num.default(0),
  // per-channel leak counts: absent from reports written before them (see report/measures.ts)
  leaksLive: num.optional(),
  leaksSync: num.optional(),
  leaksHistory: num.optional(),
  leaksSearch: num.optional(),
  leaksReceipts: num.optional(),
  leaksMembers: num.optional(),
  hot: z.looseObject({ ackedNotStored: num, storedNotPushed: num }).default({ ackedNotStored: 0, storedNotPushed: 0 }),
  examples: z
    .looseObject({ lost: examples, duplicates: examples, reordered: examples, late: examples, unexpected: examples, leaks: examples.default([]), ackedNotStored: examples, storedNotPushed: examples })
    .default({ lost: [], duplicates: [], reordered: [], late: [], unexpected: [], leaks: [], ackedNotStored: [], storedNotPushed: [] }),
});
const variant = z.looseObject({
  name: z.string(),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  checker,
  latency,
  thresholds: z.array(z.looseObject({ name: z.string(), limit: num, value: num.nullable(), ok: z.boolean() })),
  measures: z.record(z.string(), num).default({}),
  better: z.record(z.string(), z.enum(['lower', 'higher'])).optional(),
  timeline: z.array(z.looseObject({ atMs: num, kind: z.enum(['phase', 'fault', 'info', 'threshold']), label: z.string() })).default([]),
  series: z.array(z.any()).default([]),
  fanout: z.array(z.any()).optional(),
  errors: z.array(z.string()).default([]),
  durationMs: num.default(0),
  repeats: z.array(z.looseObject({ checker, latency, measures: z.record(z.string(), num).default({}) })).optional(),
  curves: z.record(z.string(), z.array(z.tuple([num, num.nullable()]))).optional(),
});
const point = z.tuple([num, num.nullable()]);
const spread = z.looseObject({ median: num, min: num, max: num, n: num }).nullable();
const chart = z.discriminatedUnion('kind', [
  z.looseObject({
    kind: z.literal('lines'),
    title: z.string(),
    xLabel: z.string(),
    yLabel: z.string(),
    lines: z.array(z.looseObject({ name: z.string(), points: z.array(point) })),
    markers: z.array(z.looseObject({ x: num, label: z.string(), kind: z.enum(['fault', 'phase']) })).optional(),
  }),
  z.looseObject({ kind: z.literal('bars'), title: z.string(), yLabel: z.string(), bars: z.array(z.looseObject({ label: z.string(), value: num })) }),
]);
const finding = z.looseObject({
  text: z.string(),
  measures: z.array(z.looseObject({ measure: z.string(), better: z.enum(['lower', 'higher']), values: z.array(spread), verdict: z.string(), best: num.nullable() })).default([]),
  settings: z.array(z.string()).default([]),
  caveats: z.array(z.string()).default([]),
  chart: chart.optional(),
});
const runResultSchema = z.looseObject({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  scenario: z.string(),
  description: z.string().default(''),
  finding: finding.optional(),
  ok: z.boolean(),
  error: z.string().optional(),
  runId: z.string().default(''),
  startedAt: z.string().default(''),
  finishedAt: z.string().default(''),
  environment: z.looseObject({}).default({}),
  variants: z.array(variant),
});

/** Throws CHATLAB_E_CONFIG naming the file and the first bad field. */
export function parseRunResult(raw: unknown, source: string): RunResult {
  const parsed = runResultSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'top level';
    throw new ChatlabError(ErrorCodes.CONFIG, `${source} is not a chatlab report.json (schema v${REPORT_SCHEMA_VERSION}): ${where}: ${issue?.message ?? 'invalid'}`);
  }
  // The schema is looser than RunResult only in `environment`, `series` and `fanout`, which
  // `compare` never reads; the writers re-rendering a loaded run tolerate their absence.
  return parsed.data as unknown as RunResult;
}

/** Accepts a run folder (reads its report.json) or a path to a report.json. */
export function loadRunResult(target: string): RunResult {
  let file = target;
  try {
    if (fs.statSync(target).isDirectory()) file = path.join(target, 'report.json');
  } catch {
    throw new ChatlabError(ErrorCodes.CONFIG, `no run folder or report.json at ${target}`);
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ChatlabError(ErrorCodes.CONFIG, `cannot read ${file}: ${errorMessage(e)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ChatlabError(ErrorCodes.CONFIG, `${file} is not valid JSON: ${errorMessage(e)}`);
  }
  return parseRunResult(raw, file);
}

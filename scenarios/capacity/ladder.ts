import type { Threshold } from '../../src/scenario/index.js';
import type { Usage } from './saturation.js';
import { holds, sloValue } from './slo.js';
import type { StepOutcome } from './steps.js';

export interface LadderRow {
  load: number;
  outcome: StepOutcome;
  usage: Usage[];
  held: boolean;
  /** Runs behind this row when it was confirmed (the median by the SLO's percentile is kept). */
  runs: number;
  /** Each run's SLO value, when confirmed. */
  values?: number[];
}

export type MeasureStep = (load: number) => Promise<{ outcome: StepOutcome; usage: Usage[] }>;

const heldBy = (slo: Threshold, o: StepOutcome) => holds(slo, o.latency) && o.lost === 0;

/** Runs a step `n` times; the median run by the SLO's percentile stands for it. */
async function confirmed(slo: Threshold, load: number, first: { outcome: StepOutcome; usage: Usage[] }, n: number, measure: MeasureStep, onRun: (r: LadderRow) => void): Promise<LadderRow> {
  const runs = [first];
  while (runs.length < n) {
    const again = await measure(load);
    onRun({ load, ...again, held: heldBy(slo, again.outcome), runs: 1 });
    runs.push(again);
  }
  runs.sort((a, b) => sloValue(slo, a.outcome.latency) - sloValue(slo, b.outcome.latency));
  const median = runs[Math.floor((runs.length - 1) / 2)]!;
  return { load, ...median, held: heldBy(slo, median.outcome), runs: runs.length, values: runs.map((r) => sloValue(slo, r.outcome.latency)) };
}

/**
 * Steps up the offered load until it clearly fails: two failing steps in a row, or one with
 * loss or far over the SLO. The first failing step after a passing one is run `confirm` times
 * (median decides), and so is the last passing one before it: the knee stands on repeats, not
 * on one window of a shared machine.
 */
export async function climb(loads: number[], slo: Threshold, confirm: number, measure: MeasureStep, onRow: (r: LadderRow) => void): Promise<LadderRow[]> {
  const rows: LadderRow[] = [];
  let failedBefore = false;
  for (const load of loads) {
    const first = await measure(load);
    let row: LadderRow = { load, ...first, held: heldBy(slo, first.outcome), runs: 1 };
    const prev = rows.at(-1);
    if (!row.held && confirm > 1 && (prev === undefined || prev.held)) {
      onRow(row);
      row = await confirmed(slo, load, first, confirm, measure, onRow);
      if (!row.held) {
        // the knee is the step below: confirm it too
        if (prev && prev.runs === 1) {
          const again = await confirmed(slo, prev.load, prev, confirm, measure, onRow);
          rows[rows.length - 1] = again;
          onRow(again);
        }
      }
    }
    rows.push(row);
    onRow(row);
    if (!row.held && (failedBefore || row.outcome.lost > 0 || sloValue(slo, row.outcome.latency) > 10 * slo.limit)) break;
    failedBefore = !row.held;
  }
  return rows;
}

/** The highest load whose row held, with every row below it held too. */
export function knee(rows: LadderRow[]): LadderRow | null {
  let best: LadderRow | null = null;
  for (const r of rows) {
    if (!r.held) break;
    best = r;
  }
  return best;
}

import type { Threshold } from '../../src/scenario/index.js';
import type { LadderRow } from './ladder.js';
import { saturatedFirst } from './saturation.js';
import { sloValue } from './slo.js';

const int = (x: number) => Math.round(x).toLocaleString('en-US');
const ms = (x: number) => (x < 10 ? x.toFixed(1) : int(x));

/** The ladder's measures and its one-sentence answer: the knee, the first failing load, what saturated first. */
export function capacityFinding(metric: 'frames' | 'connections', sloText: string, slo: Threshold, rows: LadderRow[], best: LadderRow | null) {
  const unit = metric === 'frames' ? 'frames/s offered' : 'connections held';
  const measures: Record<string, number> = {};
  for (const r of rows) {
    measures[`slo@${r.load}`] = Math.round(sloValue(slo, r.outcome.latency) * 10) / 10;
    measures[`deliveredFramesPerSec@${r.load}`] = Math.round(r.outcome.deliveredFramesPerSec);
    measures[`lost@${r.load}`] = r.outcome.lost;
  }
  measures['knee'] = best?.load ?? 0;
  if (best) {
    measures['kneeDeliveredFramesPerSec'] = Math.round(best.outcome.deliveredFramesPerSec);
    measures['kneeSloValue'] = Math.round(sloValue(slo, best.outcome.latency) * 10) / 10;
  }
  const fail = rows.find((r) => !r.held);
  if (fail) measures['firstFailingLoad'] = fail.load;
  const why = (r: LadderRow) => {
    const v = sloValue(slo, r.outcome.latency);
    const bits = [`${slo.left} ${ms(v)} ms`];
    if (r.outcome.lost > 0) bits.push(`${int(r.outcome.lost)} lost`);
    return `${bits.join(', ')}${r.runs > 1 ? ` (median of ${r.runs} runs: ${r.values!.map(ms).join(', ')} ms)` : ''}`;
  };
  const parts: string[] = [];
  if (best) {
    parts.push(
      `holds ${sloText} with nothing lost up to ${int(best.load)} ${unit} (${int(best.outcome.deliveredFramesPerSec)} frames/s delivered, ${why(best)})`,
    );
  } else parts.push(`no load held ${sloText} with nothing lost${rows[0] ? `, not even ${int(rows[0].load)} ${unit} (${why(rows[0])})` : ''}`);
  if (fail && (best || fail !== rows[0])) parts.push(`at ${int(fail.load)}: ${why(fail)}`);
  else if (rows.length > 0) parts.push(`the highest load tried held: raise loads to find the knee`);
  const first = saturatedFirst(rows.map((r) => ({ load: r.load, usage: r.usage })));
  if (first) {
    const at = rows.find((r) => r.load === first.load);
    const others = at?.usage.filter((u) => u !== first.usage).slice(0, 2).map((u) => `${u.resource} ${u.text}`);
    parts.push(`saturated first: ${first.usage.resource} (${first.usage.text}) at ${int(first.load)}${others?.length ? `; next ${others.join(', ')}` : ''}`);
    measures['saturatedAtLoad'] = first.load;
  } else {
    const top = (fail ?? rows.at(-1))?.usage.slice(0, 2);
    if (top?.length) parts.push(`nothing reached 80% of its limit; the busiest were ${top.map((u) => `${u.resource} ${u.text}`).join(', ')}`);
  }
  // on a shared machine the knee is partly someone else's: say how much the others took
  const shared = (fail ?? rows.at(-1))?.usage.find((u) => u.resource === 'other processes on the machine');
  if (shared && shared.score >= 0.25) parts.push(`the machine was shared: ${shared.resource} used ${shared.text}`);
  return { measures, sentence: `${parts.join('; ')}.` };
}

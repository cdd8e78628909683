import { fmtNum, timesApart } from '../../src/core/index.js';
import { routingPolicyOf } from '../../src/store/index.js';
import { noiseClause, smallSampleNote, spreadOf, stated, stepsChart, variantWith, type FindingHook, type RunResult, type VariantResult } from '../../src/scenario/index.js';

/** Group sizes the run measured (from `publishesPerMsg@<size>`), ascending. */
const sizesOf = (run: RunResult) =>
  [...new Set(run.variants.flatMap((v) => Object.keys(v.measures).flatMap((k) => (/^publishesPerMsg@(\d+)$/.exec(k) ? [Number(k.slice(16))] : []))))].sort((a, b) => a - b);

const med = (v: VariantResult | undefined, key: string) => (v ? (spreadOf(v, key)?.median ?? null) : null);
const routingOf = (v: VariantResult) => String(v.params['routing'] ?? v.name);
const plural = (n: number | null, word: string) => `${fmtNum(n)} ${word}${n === 1 ? '' : 's'}`;

/** The hybrid cutoff the gateways ran with (their options, defaults filled in). */
export function groupThresholdOf(run: RunResult): number | null {
  for (const v of run.variants) {
    const gw = Object.entries(v.serviceOptions ?? run.environment?.serviceOptions ?? {}).find(([name]) => name.startsWith('gateway'));
    if (gw) {
      const policy = routingPolicyOf(gw[1]);
      if (policy) return policy.groupThreshold;
    }
  }
  return null;
}

/** large-group-fanout: what the group channel saves at the largest size, and what it costs in latency. */
export const fanoutFinding: FindingHook = {
  measures: (run) => {
    const s = sizesOf(run).at(-1);
    return s === undefined ? [] : [`publishesPerMsg@${s}`, `redisBytesPerMsg@${s}`, `lastRecipientP99@${s}`];
  },
  state(run) {
    const size = sizesOf(run).at(-1);
    if (size === undefined) return 'No group size was measured.';
    const [pub, bytes, p99] = [`publishesPerMsg@${size}`, `redisBytesPerMsg@${size}`, `lastRecipientP99@${size}`];
    const inbox = variantWith(run, 'routing', 'inbox');
    const group = variantWith(run, 'routing', 'group');
    const hybrid = variantWith(run, 'routing', 'hybrid');
    const out: string[] = [];
    if (inbox && group) {
      const fewer = timesApart(med(inbox, bytes) ?? 0, med(group, bytes) ?? 0);
      const cheaper = (med(group, bytes) ?? 0) < (med(inbox, bytes) ?? 0) ? 'fewer' : 'more';
      out.push(
        `At ${size} members the group channel needs ${plural(med(group, pub), 'publish')} per message instead of ${fmtNum(med(inbox, pub))}` +
          `${fewer ? ` and ${fewer} ${cheaper} bytes (${fmtNum(Math.round(med(group, bytes) ?? NaN))} vs ${fmtNum(Math.round(med(inbox, bytes) ?? NaN))})` : ''}; ` +
          `last-recipient p99 is ${stated(group, p99, 'ms')} vs ${stated(inbox, p99, 'ms')} with inboxes${noiseClause(run, p99)}.`,
      );
    } else {
      out.push(
        `At ${size} members ${run.variants.map((v) => `${routingOf(v)} routing needs ${plural(med(v, pub), 'publish')} and ${fmtNum(med(v, bytes))} bytes per message, last-recipient p99 ${stated(v, p99, 'ms')}`).join('; ')}.`,
      );
    }
    const cutoff = groupThresholdOf(run);
    if (hybrid && cutoff !== null) {
      const uses = size > cutoff ? 'the group channel' : 'inboxes';
      out.push(`Hybrid switches to the group channel above ${cutoff} members (groupThreshold), so at ${size} it uses ${uses}: ${plural(med(hybrid, pub), 'publish')} per message.`);
    }
    return out.join(' ');
  },
  chart: (run) =>
    stepsChart(run, {
      title: 'Redis cost per message by group size',
      xLabel: 'group size (members, log)',
      yLabel: 'publishes per message (solid)',
      yRightLabel: 'bytes per message (dashed)',
      xScale: 'log',
      seriesName: routingOf,
      lines: [
        { key: 'publishesPerMsg', name: 'publishes' },
        { key: 'redisBytesPerMsg', name: 'bytes', axis: 'right', dashed: true },
      ],
    }),
  settings(run) {
    const cutoff = groupThresholdOf(run);
    return cutoff === null ? [] : [`gateway groupThreshold=${cutoff}: hybrid routing publishes once to the group channel above ${cutoff} members, to each member's inbox up to it`];
  },
  caveats(run) {
    const counts = run.variants.flatMap((v) => (v.fanout ?? []).map((f) => f.lastRecipient.count)).filter((c) => c > 0);
    const note = counts.length > 0 ? smallSampleNote(Math.min(...counts), 'messages per size') : null;
    return note ? [`${note} (first/last-recipient latency); raise --set messages=`] : [];
  },
};

import { createLatencyHistogram, fmtNum } from '../../src/core/index.js';
import { noiseClause, stated, variantWith, type FindingHook, type HeadlineChart, type VariantResult } from '../../src/scenario/index.js';

/**
 * Bystanders' chat p99 second by second, by intended send time, relative to the storm's start
 * (negative before it): the curve the presence-storm finding is drawn from.
 */
export function bystanderCurve(deliveries: Iterable<{ r: string; t: number; i?: number; raw?: 1; sync?: 1 }>, bystanders: Set<string>, stormFrom: number): Array<[number, number | null]> {
  const buckets = new Map<number, ReturnType<typeof createLatencyHistogram>>();
  for (const d of deliveries) {
    if (d.raw || d.sync || !d.i || !bystanders.has(d.r)) continue;
    const second = Math.floor((d.i - stormFrom) / 1000);
    const h = buckets.get(second) ?? createLatencyHistogram();
    h.record((d.t - d.i) * 1000);
    buckets.set(second, h);
  }
  const seconds = [...buckets.keys()].sort((a, b) => a - b);
  if (seconds.length === 0) return [];
  const out: Array<[number, number | null]> = [];
  for (let s = seconds[0]!; s <= seconds.at(-1)!; s++) out.push([s * 1000, buckets.get(s)?.summary().p99 ?? null]);
  return out;
}

const stormStart = (v: VariantResult) => v.timeline.find((e) => e.kind === 'fault')?.atMs ?? 0;

/** presence-storm: what the storm does to the chat of users who are not in it, per presence mode. */
export const presenceFinding: FindingHook = {
  measures: ['bystanderChatP99DuringStormMs', 'bystanderChatP99BeforeMs', 'presenceRedisWrites', 'presenceNotifications'],
  state(run) {
    const vs = run.variants;
    const p = vs[0]?.params ?? {};
    const storming = Math.round(Number(p['users']) * Number(p['stormFraction']));
    const each = (v: VariantResult) => `${stated(v, 'bystanderChatP99BeforeMs', 'ms')} → ${stated(v, 'bystanderChatP99DuringStormMs', 'ms')} with presence ${String(v.params['presence'] ?? v.name)}`;
    const head = `While ${fmtNum(storming)} of ${fmtNum(Number(p['users']))} users drop and come back ${fmtNum(Number(p['waves']))} times, the others' chat p99 goes ${vs.map(each).join(', and ')}${noiseClause(run, 'bystanderChatP99DuringStormMs')}.`;
    const inline = variantWith(run, 'presence', 'inline');
    const decoupled = variantWith(run, 'presence', 'decoupled');
    if (!inline || !decoupled) return head;
    return `${head} Presence costs ${stated(decoupled, 'presenceRedisWrites')} Redis writes decoupled vs ${stated(inline, 'presenceRedisWrites')} inline.`;
  },
  chart(run): HeadlineChart | undefined {
    const withCurve = run.variants.filter((v) => (v.curves?.['bystanderP99'] ?? []).length > 0);
    if (withCurve.length === 0) return undefined;
    const first = withCurve[0]!;
    return {
      kind: 'lines',
      title: "bystanders' chat p99 through the storm",
      xLabel: 'time since the storm began (mm:ss), by intended send time',
      yLabel: 'p99 latency (ms)',
      xTime: true,
      lines: withCurve.map((v) => ({ name: `presence ${String(v.params['presence'] ?? v.name)}`, variant: v.name, points: v.curves!['bystanderP99']! })),
      markers: first.timeline.filter((e) => e.kind === 'fault').map((e) => ({ x: e.atMs - stormStart(first), label: e.label.replace(/^storm wave (\d+)\/\d+: \d+ users (disconnect|reconnect)$/, (_, n: string, what: string) => `wave ${n} ${what === 'disconnect' ? 'down' : 'up'}`), kind: 'fault' as const })),
    };
  },
};

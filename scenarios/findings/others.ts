import { fmtNum } from '../../src/core/index.js';
import { barsPerVariant, deliverySentence, latencyOverTimeChart, noiseClause, spreadOf, stated, type FindingHook, type HeadlineChart, type RunResult } from '../../src/scenario/index.js';

const routerName: Record<string, string> = { pubsub: 'Redis Pub/Sub', streams: 'Redis Streams', kafka: 'Kafka' };

/** hot-path: publish→receive latency and what a channel costs, per router. */
export const hotPathFinding: FindingHook = {
  measures: ['latency.p99', 'latency.p50', 'setupUsPerChannel', 'redisMemoryDeltaBytes'],
  state(run) {
    const p = run.variants[0]?.params ?? {};
    const name = (v: RunResult['variants'][number]) => routerName[String(v.params['router'])] ?? v.name;
    const lat = run.variants.map((v) => `${stated(v, 'latency.p99', 'ms')} on ${name(v)}`).join(', ');
    const setup = run.variants.map((v) => `${stated(v, 'setupUsPerChannel', 'µs')} (${name(v)})`).join(', ');
    return `Over ${fmtNum(Number(p['channels']))} channels at ${fmtNum(Number(p['ratePerSec']))} msg/s, publish→receive p99 is ${lat}${noiseClause(run, 'latency.p99')}. Setting up a channel costs ${setup}.`;
  },
  chart: (run) => barsPerVariant(run, 'latency.p99', 'publish→receive p99 by router', 'p99 latency (ms)'),
};

/** reconnect-race: nothing lost or doubled through flapping and the fault, and what the fault did to latency. */
export const reconnectRaceFinding: FindingHook = {
  measures: ['checker.lost', 'checker.duplicates', 'reconnects', 'latency.p99'],
  state(run) {
    const vs = run.variants;
    const p = vs[0]?.params ?? {};
    // the load every variant shared, said once
    const load = `${Math.round(Number(p['flapFraction']) * 100)}% of ${fmtNum(Number(p['clients']))} clients flapping every ${fmtNum(Number(p['flapEveryMs']))} ms`;
    const label = (v: (typeof vs)[number]) => (vs.every((x) => x.params['fault'] === v.params['fault']) ? v.name : String(v.params['fault']));
    const timed = vs.filter((v) => v.latency.count > 0).sort((a, b) => b.latency.p99 - a.latency.p99);
    const reconnects = vs.map((v) => v.measures['reconnects'] ?? 0);
    const dropped = vs.reduce((n, v) => n + v.checker.duplicatesRaw, 0);
    const head =
      timed.length > 1
        ? `With ${load}, ${label(timed[0]!)} cost the worst send→deliver p99, ${stated(timed[0]!, 'latency.p99', 'ms')} against ${stated(timed.at(-1)!, 'latency.p99', 'ms')} for ${label(timed.at(-1)!)}`
        : `Under ${String(p['fault'])} with ${load}, send→deliver p99 was ${timed[0] ? stated(timed[0], 'latency.p99', 'ms') : 'not measured'}`;
    const rc = vs.length > 1 ? `${fmtNum(Math.min(...reconnects))}–${fmtNum(Math.max(...reconnects))}` : fmtNum(reconnects[0] ?? 0);
    return `${head}; clients reconnected ${rc} times per variant and the client dropped ${fmtNum(dropped)} duplicate frames. ${storageSentence(vs, label)}${deliverySentence(vs)}`;
  },
  chart: latencyOverTimeChart,
};

/** What the reconnect storm asked of Cassandra per variant, against the gateways' bound, and how long until all were in sync. */
function storageSentence(vs: RunResult['variants'], label: (v: RunResult['variants'][number]) => string): string {
  const measured = vs.filter((v) => v.measures['storageReadBound'] !== undefined);
  if (measured.length === 0) return '';
  const bound = fmtNum(measured[0]!.measures['storageReadBound']!);
  const parts = measured.map((v) => {
    const synced = v.measures['inSyncMs'] ?? -1;
    const sync = synced < 0 ? 'not every client was back in sync by the end' : `every client was in sync ${stated(v, 'inSyncMs', 'ms')} after the fault struck`;
    return `${measured.length > 1 ? `${label(v)}: ` : ''}Cassandra history reads peaked at ${stated(v, 'peakStorageReadsPerSec')} pages/s with at most ${stated(v, 'peakStorageReadsInFlight')} at once on one gateway, and ${sync}`;
  });
  return `${parts.join('; ')} (bound: ${bound} pages at once per gateway). `;
}

/** abuse: hostile inputs answered as documented while the normal traffic kept flowing. */
export const abuseFinding: FindingHook = {
  measures: ['abuse.inputs', 'abuse.unexpectedAnswers', 'abuse.unhealthy', 'abuse.storedChanged', 'checker.lost'],
  state(run) {
    const v = run.variants[0]!;
    const m = (k: string) => fmtNum(spreadOf(v, k)?.median ?? null);
    return `${m('abuse.inputs')} hostile inputs at every process got ${m('abuse.unexpectedAnswers')} unexpected answers; afterwards ${m('abuse.unhealthy')} processes were unhealthy and ${m('abuse.storedChanged')} stored messages had changed. Meanwhile ${deliverySentence(run.variants).replace(/^./, (c) => c.toLowerCase())}`;
  },
  chart(run): HeadlineChart | undefined {
    const v = run.variants[0];
    if (!v) return undefined;
    const bars = Object.entries(v.measures)
      .flatMap(([k, value]) => (/^abuse\.(.+)\.count$/.exec(k) ? [{ label: k.slice(6, -6), value }] : []))
      .sort((a, b) => b.value - a.value);
    return bars.length > 0 ? { kind: 'bars', title: 'hostile inputs sent, by class', yLabel: 'inputs', bars } : undefined;
  },
};

/**
 * Scenarios that compute their finding while they run (a ladder of steps, a knee) say it as a
 * `finding: …` timeline line in each variant; the report opens with those lines.
 */
export function statedWhileRunning(measures: string[], chart?: (run: RunResult) => HeadlineChart | undefined): FindingHook {
  return {
    measures,
    ...(chart ? { chart } : {}),
    state(run) {
      const lines = run.variants.flatMap((v) => v.timeline.filter((e) => e.kind === 'info' && e.label.startsWith('finding: ')).map((e) => e.label.slice('finding: '.length)));
      return lines.length > 0 ? lines.join(' ') : 'The run stated no finding (it ended before its steps completed).';
    },
  };
}

import { fmtNum } from '../../src/core/index.js';
import { spreadOf, stated, type FindingHook, type HeadlineChart, type RunResult } from '../../src/scenario/index.js';

type Variant = RunResult['variants'][number];

/** `acks=1, min ISR 2`: the settings a variant ran with (the stack's when not set). */
export function settingsOf(v: Variant): string {
  return `acks=${String(v.params['acks'] ?? 'all')}, min ISR ${String(v.params['minInsyncReplicas'] ?? 2)}`;
}

/** broker-loss: what each setting lost when the leader died, how long produce stopped, and what senders waited. */
export const brokerLossFinding: FindingHook = {
  measures: ['ackedLost', 'ackedNotStored', 'ackedNotIndexed', 'ackedDuringLag', 'electionMs', 'produceResumedMs', 'sendP99Ms', 'sendErrors'],
  state(run) {
    const vs = run.variants;
    const p = vs[0]?.params ?? {};
    const lag = Number(p['lagMs']);
    const how = lag > 0 ? `with both followers paused for ${fmtNum(lag)} ms before the kill` : 'with the followers keeping up';
    const each = vs.map((v) => `${settingsOf(v)} lost ${stated(v, 'ackedLost')} of ${fmtNum(v.checker.acked)} acked messages (${stated(v, 'ackedDuringLag')} acked while the followers lagged)`);
    const election = vs.map((v) => stated(v, 'electionMs', 'ms')).join(', ');
    const p99 = vs.map((v) => stated(v, 'sendP99Ms', 'ms')).join(', ');
    return `Killing chat.messages' leader at ${fmtNum(Number(p['ratePerSec']))} msg/s ${how}: ${each.join('; ')}. A new leader showed in the metadata after ${election}; send → ack p99 through the fault ${p99} (in variant order).`;
  },
  chart(run): HeadlineChart | undefined {
    // the variants' names are long (`acks=all minInsyncReplicas=2`): a short label each
    const bars = run.variants.flatMap((v) => {
      const s = spreadOf(v, 'ackedLost');
      return s ? [{ label: `acks ${String(v.params['acks'] ?? 'all')} · ISR ${String(v.params['minInsyncReplicas'] ?? 2)}`, value: s.median, ...(s.n > 1 ? { min: s.min, max: s.max } : {}) }] : [];
    });
    return bars.length > 0 ? { kind: 'bars', title: 'acked messages missing from Cassandra or the search index', yLabel: 'acked but lost', bars } : undefined;
  },
  settings: () => ['unclean.leader.election.enable=false', 'chat.messages: 3 replicas, 1 partition'],
};

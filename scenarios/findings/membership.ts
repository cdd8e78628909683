import { fmtNum } from '../../src/core/index.js';
import { LEAK_MEASURES, deliverySentence, spreadOf, stated, type FindingHook, type HeadlineChart, type RunResult, type VariantResult } from '../../src/scenario/index.js';

const KINDS = [
  ['inbox', 'below the threshold (inbox fan-out)'],
  ['group', 'above it (group channel)'],
  ['crossing', 'across it (the routing switches)'],
] as const;

const costOf = (v: VariantResult, kind: string) =>
  `${stated(v, `redisOpsPerChange@${kind}`)} Redis commands, ${stated(v, `subChangesPerGateway@${kind}`)} group-channel subscription changes per gateway, every member told after ${stated(v, `effectiveP50Ms@${kind}`, 'ms')} (p50) / ${stated(v, `effectiveP99Ms@${kind}`, 'ms')} (p99)`;

/** membership-churn: nothing lost or leaked through churn and a fault, and what one change costs per routing. */
export const membershipFinding: FindingHook = {
  measures: ['checker.lost', 'checker.leaks', 'checker.duplicates', 'memberChanges', 'crossings', ...KINDS.flatMap(([k]) => [`redisOpsPerChange@${k}`, `subChangesPerGateway@${k}`, `effectiveP99Ms@${k}`])],
  state(run: RunResult) {
    // which channels leaked (live, sync, history, search, receipts, member frames), when any did
    const byChannel = (x: RunResult['variants'][number]) => {
      const parts = Object.values(LEAK_MEASURES).flatMap((m) => ((x.checker[m] ?? 0) > 0 ? [`${m} ${fmtNum(x.checker[m]!)}`] : []));
      return parts.length > 0 ? ` (${parts.join(', ')})` : '';
    };
    const v = run.variants[0];
    if (!v) return 'No variant ran.';
    const cost = KINDS.map(([k, where]) => `${where}: ${costOf(v, k)}`).join('; ');
    const churn = run.variants.map((x) => {
      const p = x.params;
      return `under ${String(p['fault'])}, ${stated(x, 'memberChanges')} changes (${stated(x, 'crossings')} across the threshold of ${fmtNum(Number(p['threshold']))}) while ${fmtNum(Number(p['ratePerSec']))} msg/s flowed: leaks ${fmtNum(x.checker.leaks ?? 0)}${byChannel(x)} of ${stated(x, 'leakChances')} chances`;
    });
    return `One member change costs, ${cost}. ${churn.join('; ').replace(/^./, (c) => c.toUpperCase())}. ${deliverySentence(run.variants)}`;
  },
  chart(run): HeadlineChart | undefined {
    const v = run.variants[0];
    if (!v) return undefined;
    const bars = KINDS.flatMap(([k]) => {
      const s = spreadOf(v, `redisOpsPerChange@${k}`);
      return s ? [{ label: k, value: s.median, ...(s.n > 1 ? { min: s.min, max: s.max } : {}) }] : [];
    });
    return bars.length > 0 ? { kind: 'bars', title: 'Redis commands per member change', yLabel: 'commands per change', bars } : undefined;
  },
  settings: (run) => [`groupThreshold ${String(run.variants[0]?.params['threshold'] ?? '')} for the run (hybrid routing); the per-user creation / member-change bucket lifted to 1,000/s`],
};

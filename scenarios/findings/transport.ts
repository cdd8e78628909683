import { fmtNum, timesApart } from '../../src/core/index.js';
import { deliverySentence, noiseClause, spreadOf, stated, variantWith, type FindingHook, type HeadlineChart, type RunResult, type VariantResult } from '../../src/scenario/index.js';

/** What the chart sets side by side: long polling's figure over WebSocket's. */
const COSTS: Array<{ key: string; label: string }> = [
  { key: 'latency.p50', label: 'latency p50' },
  { key: 'latency.p99', label: 'latency p99' },
  { key: 'cpuUsPerDelivered', label: 'gateway CPU per message' },
  { key: 'clientCpuUsPerDelivered', label: 'client CPU per message' },
  { key: 'bytesPerDelivered', label: 'bytes per message' },
  { key: 'requestsPerSec', label: 'HTTP requests per s' },
];

const med = (v: VariantResult, key: string) => spreadOf(v, key)?.median ?? null;

/** `3.1× more` / `2× less` / `the same`, long polling against WebSocket. */
function versus(lp: VariantResult, ws: VariantResult, key: string): string {
  const a = med(lp, key);
  const b = med(ws, key);
  if (a === null || b === null) return '';
  if (a === b) return ', the same';
  const apart = timesApart(a, b);
  return apart ? `, ${apart} ${a > b ? 'more' : 'less'}` : '';
}

/** transport: what long polling costs against a WebSocket, on the same routing and load. */
export const transportFinding: FindingHook = {
  measures: ['latency.p50', 'latency.p99', 'cpuUsPerDelivered', 'clientCpuUsPerDelivered', 'bytesPerDelivered', 'requestsPerSec', 'checker.lost', 'checker.duplicates'],
  state(run: RunResult) {
    const ws = variantWith(run, 'transport', 'ws');
    const lp = variantWith(run, 'transport', 'longpoll');
    const p = run.variants[0]?.params ?? {};
    const load = `${fmtNum(Number(p['clients']))} clients at ${fmtNum(Number(p['ratePerSec']))} msg/s`;
    if (ws && lp) {
      return (
        `With ${load}, long polling delivered at p50 ${stated(lp, 'latency.p50', 'ms')} / p99 ${stated(lp, 'latency.p99', 'ms')} against ${stated(ws, 'latency.p50', 'ms')} / ${stated(ws, 'latency.p99', 'ms')} over WebSocket${noiseClause(run, 'latency.p99')}; ` +
        `per delivered message it cost ${stated(lp, 'cpuUsPerDelivered', 'µs')} of gateway CPU vs ${stated(ws, 'cpuUsPerDelivered', 'µs')}${versus(lp, ws, 'cpuUsPerDelivered')}, ` +
        `${stated(lp, 'clientCpuUsPerDelivered', 'µs')} of the clients' CPU vs ${stated(ws, 'clientCpuUsPerDelivered', 'µs')}${versus(lp, ws, 'clientCpuUsPerDelivered')}, ` +
        `and ${stated(lp, 'bytesPerDelivered', 'bytes')} on the wire vs ${stated(ws, 'bytesPerDelivered', 'bytes')}${versus(lp, ws, 'bytesPerDelivered')} (HTTP headers and framing counted), ` +
        `making ${stated(lp, 'requestsPerSec')} HTTP requests/s where WebSocket made ${stated(ws, 'requestsPerSec')} (its upgrades). ${deliverySentence(run.variants)}`
      );
    }
    return `${run.variants.map((v) => `${String(v.params['transport'])}: p99 ${stated(v, 'latency.p99', 'ms')}, ${stated(v, 'cpuUsPerDelivered', 'µs')} gateway CPU and ${stated(v, 'bytesPerDelivered', 'bytes')} per delivered message, ${stated(v, 'requestsPerSec')} HTTP requests/s`).join('; ')} (${load}). ${deliverySentence(run.variants)}`;
  },
  chart(run): HeadlineChart | undefined {
    const ws = variantWith(run, 'transport', 'ws');
    const lp = variantWith(run, 'transport', 'longpoll');
    if (ws && lp) {
      const bars = COSTS.flatMap(({ key, label }) => {
        const a = med(lp, key);
        const b = med(ws, key);
        // requests/s over WebSocket is ~0 once connected: a ratio over it says nothing
        return a !== null && b !== null && a > 0 && b > 0 && key !== 'requestsPerSec' ? [{ label, value: Number((a / b).toPrecision(3)) }] : [];
      });
      return bars.length > 0 ? { kind: 'bars', title: 'long polling ÷ WebSocket, per measure (1 = the same)', yLabel: 'times WebSocket’s figure', bars } : undefined;
    }
    const bars = run.variants.flatMap((v) => {
      const s = spreadOf(v, 'bytesPerDelivered');
      return s ? [{ label: v.name, value: s.median, ...(s.n > 1 ? { min: s.min, max: s.max } : {}) }] : [];
    });
    return bars.length > 0 ? { kind: 'bars', title: 'bytes on the wire per delivered message', yLabel: 'bytes', bars } : undefined;
  },
};

import { describe, expect, it } from 'vitest';
import { MetricNames, counter, createRegistry, gauge, histogram } from './index.js';
import { bucketDeltas, histogramBuckets, parsePrometheusText, quantileFromBuckets, sumMetric } from './prom.js';

describe('parsePrometheusText', () => {
  it("reads what chatlab's own prom-client registries expose", async () => {
    const reg = createRegistry('gateway-1');
    gauge(reg, MetricNames.wsConnections, 'open').set(5012);
    const pubs = counter(reg, MetricNames.redisPublishes, 'pubs', ['channel']);
    pubs.inc({ channel: 'inbox' }, 1100);
    pubs.inc({ channel: 'group' }, 104);
    const lat = histogram(reg, MetricNames.deliveryLatency, 'latency');
    for (let i = 0; i < 98; i++) lat.observe(0.0015);
    lat.observe(0.03);
    lat.observe(0.03);
    const samples = parsePrometheusText(await reg.metrics());
    expect(sumMetric(samples, 'chatlab_ws_connections')).toBe(5012);
    expect(sumMetric(samples, 'chatlab_redis_publishes_total')).toBe(1204);
    expect(sumMetric(samples, 'chatlab_redis_publishes_total', (l) => l['channel'] === 'group')).toBe(104);
    expect(samples.find((s) => s.name === 'chatlab_ws_connections')?.labels).toEqual({ service: 'gateway-1' });
    expect(sumMetric(samples, 'chatlab_kafka_produced_total')).toBeNull();
    const buckets = histogramBuckets(samples, 'chatlab_delivery_latency_seconds');
    expect(buckets.get(Infinity)).toBe(100);
    expect(buckets.get(0.002)).toBe(98);
    // 50th of 100 lies in (1 ms, 2 ms]; the 99th in (20 ms, 50 ms]
    expect(quantileFromBuckets(buckets, 0.5)! * 1000).toBeCloseTo(1.51, 2);
    expect(quantileFromBuckets(buckets, 0.99)! * 1000).toBeCloseTo(35, 5);
  });

  it('handles escapes, special values, timestamps and skips junk lines', () => {
    const text = [
      '# HELP x a "help"',
      'x{a="q\\"uote",b="back\\\\slash",c="new\\nline"} 3 1700000000000',
      'y +Inf',
      'z NaN',
      'not a metric line at all',
      'w{broken="} 1',
      'v 7',
    ].join('\n');
    const s = parsePrometheusText(text);
    expect(s).toEqual([
      { name: 'x', labels: { a: 'q"uote', b: 'back\\slash', c: 'new\nline' }, value: 3 },
      { name: 'y', labels: {}, value: Infinity },
      { name: 'v', labels: {}, value: 7 },
    ]);
  });
});

describe('interval quantiles from bucket deltas', () => {
  it('uses only what happened between two scrapes, and survives a counter reset', () => {
    const before = new Map([[0.001, 100], [0.01, 100], [Infinity, 100]]);
    const after = new Map([[0.001, 100], [0.01, 150], [Infinity, 150]]);
    const d = bucketDeltas(before, after);
    expect([...d]).toEqual([[0.001, 0], [0.01, 50], [Infinity, 50]]);
    // all 50 new samples fall in (1 ms, 10 ms]
    expect(quantileFromBuckets(d, 0.5)).toBeCloseTo(0.0055, 6);
    const restarted = new Map([[0.001, 3], [0.01, 4], [Infinity, 4]]);
    expect([...bucketDeltas(after, restarted)]).toEqual([...restarted]);
    expect(quantileFromBuckets(new Map([[0.1, 0], [Infinity, 0]]), 0.99)).toBeNull();
    // past the last finite bound: report the bound, it is all the histogram knows
    expect(quantileFromBuckets(new Map([[0.1, 0], [Infinity, 5]]), 0.99)).toBe(0.1);
  });
});

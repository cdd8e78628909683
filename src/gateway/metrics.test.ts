import { describe, expect, it } from 'vitest';
import { MetricNames, counter, createRegistry, histogram } from '../core/index.js';
import { createGatewayMetrics } from './metrics.js';

/**
 * The delivery lines of a registry's exposition (the default process metrics differ between
 * registries); the sum rounded, as n × latency and n additions of it differ in the last digit.
 */
async function deliveryLines(registry: { metrics(): Promise<string> }): Promise<string[]> {
  return (await registry.metrics())
    .split('\n')
    .filter((l) => l.includes(MetricNames.deliveryLatency) || l.includes(MetricNames.messagesDelivered))
    .map((l) => (l.includes('_sum{') ? l.replace(/ ([0-9.e+-]+)$/, (_m, v: string) => ` ${Number(v).toFixed(9)}`) : l));
}

describe('gateway delivery metrics, counted in batches', () => {
  it('expose exactly what one inc and one observe per frame exposed', async () => {
    const { registry, deliveries } = createGatewayMetrics('gateway-1');
    const reference = createRegistry('gateway-1');
    const delivered = counter(reference, MetricNames.messagesDelivered, 'message frames pushed to sockets');
    const latency = histogram(reference, MetricNames.deliveryLatency, 'sentAt at the sending gateway to push at the recipient gateway');
    // dispatches: (frames pushed, latency or none), bounds included, one beyond the last bucket
    const dispatches: Array<[number, number | undefined]> = [[1, 0.0001], [50, 0.003], [1, undefined], [7, 0.05], [2, 12], [99, 0], [3, 0.0049]];
    for (const [n, sec] of dispatches) {
      deliveries.record(n, sec);
      delivered.inc(n);
      if (sec !== undefined) for (let i = 0; i < n; i++) latency.observe(sec);
    }
    const got = await deliveryLines(registry);
    expect(got.length).toBeGreaterThan(20);
    expect(got).toEqual(await deliveryLines(reference));
    // and again after more deliveries: the counter keeps its total across scrapes
    deliveries.record(4, 0.2);
    delivered.inc(4);
    for (let i = 0; i < 4; i++) latency.observe(0.2);
    expect(await deliveryLines(registry)).toEqual(await deliveryLines(reference));
  });
});

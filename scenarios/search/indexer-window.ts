import { MetricNames, bucketDeltas, histogramBuckets, parsePrometheusText, quantileFromBuckets, sumMetric } from '../../src/core/index.js';
import type { ScenarioContext } from '../../src/scenario/index.js';
import { readState } from '../../src/stack/index.js';
import { searchCpu } from './cloud.js';

const IDLE_MS = 3000;

async function scrapeIndexer(stateDir: string) {
  const url = readState(stateDir)?.services.find((s) => s.kind === 'indexer')?.url;
  if (!url) return null;
  try {
    return parsePrometheusText(await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(3000) })).text());
  } catch {
    return null; // stopped (a fault) or restarting
  }
}

/**
 * The cloud's cost over the run, from the indexer's own metrics and /proc: send → searchable
 * (its latency histogram, bucket-interpolated), and CPU of the indexer and the engine per
 * indexed message above what they burn idle (measured just before). A restart of either
 * process (a fault) loses its CPU count, so then there is no CPU figure.
 */
export class IndexerWindow {
  private closedAt: { cpu: ReturnType<typeof searchCpu>; buckets: Map<number, number>; indexed: number; at: number } | null = null;

  private constructor(
    private readonly idleUsPerMs: number | null,
    private readonly start: { cpu: ReturnType<typeof searchCpu>; buckets: Map<number, number>; indexed: number; at: number },
  ) {}

  static async open(ctx: ScenarioContext): Promise<IndexerWindow> {
    const a = searchCpu(readState(ctx.stateDir));
    await ctx.sleep(IDLE_MS);
    const b = searchCpu(readState(ctx.stateDir));
    const idle = a && b && a.pids === b.pids ? (b.us - a.us) / IDLE_MS : null;
    const samples = (await scrapeIndexer(ctx.stateDir)) ?? [];
    return new IndexerWindow(idle, { cpu: b, buckets: histogramBuckets(samples, MetricNames.indexerLatency), indexed: sumMetric(samples, MetricNames.indexed) ?? 0, at: Date.now() });
  }

  /** Waits (at most 120 s) until the indexer has nothing left to index, then closes the window. */
  async close(ctx: ScenarioContext): Promise<boolean> {
    const until = Date.now() + 120_000;
    let calm = 0;
    let samples = await scrapeIndexer(ctx.stateDir);
    while (Date.now() < until) {
      if (samples && sumMetric(samples, MetricNames.indexerLag) === 0) {
        if (++calm >= 2) break;
      } else calm = 0;
      await ctx.sleep(500);
      samples = await scrapeIndexer(ctx.stateDir);
    }
    const s = samples ?? [];
    this.closedAt = { cpu: searchCpu(readState(ctx.stateDir)), buckets: histogramBuckets(s, MetricNames.indexerLatency), indexed: sumMetric(s, MetricNames.indexed) ?? 0, at: Date.now() };
    return calm >= 2;
  }

  figures(): Record<string, number> {
    const end = this.closedAt;
    if (!end) return {};
    const out: Record<string, number> = {};
    const lag = bucketDeltas(this.start.buckets, end.buckets);
    const p50 = quantileFromBuckets(lag, 0.5);
    const p99 = quantileFromBuckets(lag, 0.99);
    if (p50 !== null) out['indexLagP50Ms'] = Math.round(p50 * 1000);
    if (p99 !== null) out['indexLagP99Ms'] = Math.round(p99 * 1000);
    const indexed = end.indexed >= this.start.indexed ? end.indexed - this.start.indexed : end.indexed;
    const { cpu: c0 } = this.start;
    if (c0 && end.cpu && c0.pids === end.cpu.pids && this.idleUsPerMs !== null && indexed > 0) {
      const aboveUs = end.cpu.us - c0.us - this.idleUsPerMs * (end.at - this.start.at);
      out['cpuMsPerIndexed'] = Math.round((Math.max(0, aboveUs) / 1000 / indexed) * 1000) / 1000;
    }
    return out;
  }
}

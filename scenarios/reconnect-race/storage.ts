import { MetricNames, sumMetricText } from '../../src/core/index.js';
import type { PoolSecond } from '../../src/scenario/index.js';

/** One scrape of one gateway's history reads from Cassandra. */
export interface ReadsSample {
  at: number;
  gateway: string;
  /** Pages read in all since the gateway started. */
  total: number;
  active: number;
  waiting: number;
  /** Most pages in flight at once since the gateway started. */
  peak: number;
  /** The gateway's bound on pages in flight. */
  max: number;
}

/**
 * Peak pages read from Cassandra per second, all gateways together: per gateway the rise of its
 * total between two scrapes about a second apart, summed over the gateways scraped in the same
 * round (a gateway that restarted, its total lower than before, counts from zero).
 */
export function peakReadsPerSec(rounds: ReadonlyArray<readonly ReadsSample[]>): number {
  let best = 0;
  for (let i = 1; i < rounds.length; i++) {
    const before = new Map(rounds[i - 1]!.map((s) => [s.gateway, s]));
    let pages = 0;
    let seconds = 0;
    for (const s of rounds[i]!) {
      const b = before.get(s.gateway);
      if (!b) continue;
      pages += s.total >= b.total ? s.total - b.total : s.total;
      seconds = Math.max(seconds, (s.at - b.at) / 1000);
    }
    if (seconds > 0) best = Math.max(best, pages / seconds);
  }
  return Math.round(best);
}

/**
 * Milliseconds from `fromMs` until every client was connected again with no sync in flight,
 * after the storm began (the first second after `fromMs` with a client out or syncing); 0 when
 * no client ever went out of sync, -1 when they were not all back by the last second.
 */
export function syncedAfterMs(seconds: readonly Pick<PoolSecond, 'at' | 'totals'>[], clients: number, fromMs: number): number {
  const inSync = (s: Pick<PoolSecond, 'totals'>) => s.totals.connected >= clients && s.totals.syncing === 0 && s.totals.waiting === 0;
  const after = seconds.filter((s) => s.at >= fromMs);
  const out = after.findIndex((s) => !inSync(s));
  if (out < 0) return 0;
  const back = after.slice(out).find(inSync);
  return back ? Math.round(back.at - fromMs) : -1;
}

/** Scrapes every gateway's history reads about once a second until stopped. */
export class StorageReadsSampler {
  readonly rounds: ReadsSample[][] = [];
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly gateways: () => ReadonlyArray<{ name: string; url: string }>,
    private readonly everyMs = 1000,
  ) {}

  start(): void {
    this.loop = (async () => {
      while (!this.stopped) {
        const round = await Promise.all(this.gateways().map((g) => scrapeReads(g)));
        this.rounds.push(round.flatMap((s) => (s ? [s] : [])));
        await new Promise((r) => setTimeout(r, this.everyMs));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  /** Peak pages/s, the most in flight at once on one gateway (and its bound), the most seen waiting on one. */
  summary(): { peakReadsPerSec: number; peakInFlight: number; bound: number; peakWaiting: number } {
    const all = this.rounds.flat();
    return {
      peakReadsPerSec: peakReadsPerSec(this.rounds),
      peakInFlight: Math.max(0, ...all.map((s) => s.peak)),
      bound: Math.max(0, ...all.map((s) => s.max)),
      peakWaiting: Math.max(0, ...all.map((s) => s.waiting)),
    };
  }
}

async function scrapeReads(g: { name: string; url: string }): Promise<ReadsSample | null> {
  try {
    const text = await (await fetch(`${g.url}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
    const state = (s: string) => sumMetricText(text, MetricNames.storageReads, { state: s });
    return { at: Date.now(), gateway: g.name, total: sumMetricText(text, `${MetricNames.storageReads}_total`), active: state('active'), waiting: state('waiting'), peak: state('peak'), max: state('max') };
  } catch {
    return null; // a gateway down (the fault) counts nothing
  }
}

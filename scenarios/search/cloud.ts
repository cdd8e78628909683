import { performance } from 'node:perf_hooks';
import { mapLimited, signToken } from '../../src/core/index.js';
import type { StackState } from '../../src/stack/index.js';
import { cpuOf } from '../common.js';
import type { Answer, Probe } from './probes.js';

/**
 * Cloud search as a client sees it: `GET /v1/search` on a gateway, with the user's token.
 * A 429 (the per-user HTTP rate) or a 503 (engine down) is asked again a second later,
 * until the deadline; 503s are counted.
 */
export class CloudSearcher {
  unavailable = 0;
  private readonly tokens = new Map<string, string>();

  constructor(
    private readonly gateways: readonly string[],
    private readonly secret: string,
  ) {}

  private token(userId: string): string {
    let t = this.tokens.get(userId);
    if (!t) this.tokens.set(userId, (t = signToken(userId, this.secret, { ttlSec: 3600 })));
    return t;
  }

  /** One search; a 429 or 503 is asked again for up to two minutes. */
  async ask(p: Probe, i: number): Promise<Answer> {
    const deadline = Date.now() + 120_000;
    const gw = this.gateways[i % this.gateways.length]!;
    for (;;) {
      const t0 = performance.now();
      const res = await fetch(`${gw}/v1/search?${new URLSearchParams({ q: p.q, limit: '100' })}`, { headers: { authorization: `Bearer ${this.token(p.userId)}` }, signal: AbortSignal.timeout(30_000) });
      const ms = performance.now() - t0;
      const body = (await res.json()) as { hits?: Array<{ conversationId: string; messageId: string }> };
      if (res.status === 200) return { hits: (body.hits ?? []).map((h) => ({ c: h.conversationId, id: h.messageId })), ms };
      if (res.status === 503) this.unavailable++;
      if ((res.status !== 429 && res.status !== 503) || Date.now() > deadline) throw new Error(`GET /v1/search answered ${res.status}: ${JSON.stringify(body).slice(0, 200)}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  /**
   * Every probe once; then the `found`/`offline` ones that missed are asked again (indexing is
   * eventually consistent) every 2 s until they hit or `retryMs` is over.
   */
  async run(probes: readonly Probe[], retryMs: number): Promise<Answer[]> {
    const answers = await mapLimited(probes, 8, (p, i) => this.ask(p, i));
    const until = Date.now() + retryMs;
    for (;;) {
      const missing = probes.flatMap((p, i) => (p.expect && !answers[i]!.hits.some((h) => h.id === p.expect) ? [i] : []));
      if (missing.length === 0 || Date.now() > until) return answers;
      await new Promise((r) => setTimeout(r, 2000));
      const again = await mapLimited(missing, 8, (i) => this.ask(probes[i]!, i));
      missing.forEach((i, k) => (answers[i] = again[k]!));
    }
  }
}

/** OpenSearch's own figures for the `messages` index: bytes on disk and documents. */
export async function indexStats(searchUrl: string, index = 'messages'): Promise<{ bytes: number; docs: number }> {
  await fetch(`${searchUrl}/${index}/_refresh`, { method: 'POST', signal: AbortSignal.timeout(30_000) });
  const res = await fetch(`${searchUrl}/${index}/_stats/store,docs`, { signal: AbortSignal.timeout(30_000) });
  const body = (await res.json()) as { _all?: { primaries?: { store?: { size_in_bytes?: number }; docs?: { count?: number } } } };
  return { bytes: body._all?.primaries?.store?.size_in_bytes ?? 0, docs: body._all?.primaries?.docs?.count ?? 0 };
}

/** CPU (µs) of the indexer and the engine processes, with their pids (a restarted one has a new pid). */
export function searchCpu(state: StackState | null): { us: number; pids: string } | null {
  // null when they are not processes chatlab runs (containers, external)
  return cpuOf([state?.services.find((s) => s.kind === 'indexer')?.pid, state?.processes.find((p) => p.name === 'search')?.pid]);
}

import autocannon from 'autocannon';

/** One fixed-rate autocannon run against a GET path with a bearer token. */
export async function drive(url: string, token: string, paths: string[], ratePerSec: number, seconds: number) {
  const r = await autocannon({
    url,
    connections: Math.max(2, Math.min(20, Math.ceil(ratePerSec / 20))),
    duration: seconds,
    overallRate: ratePerSec,
    headers: { authorization: `Bearer ${token}` },
    requests: paths.map((p) => ({ method: 'GET', path: p })),
  });
  return { requests: r.requests.total, ok: r.requests.total - r.non2xx - r.errors, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts };
}

/** Rates doubled until p99 passes the limit or errors appear: the last that held is the knee. */
export async function kneeOf(run: (rate: number) => Promise<{ p99: number; non2xx: number; errors: number; requests: number }>, start: number, limitMs: number, maxSteps = 5): Promise<number> {
  let knee = 0;
  for (let rate = start, i = 0; i < maxSteps; i++, rate *= 2) {
    const r = await run(rate);
    if (r.p99 >= limitMs || r.non2xx + r.errors > 0 || r.requests < rate) break;
    knee = rate;
  }
  return knee;
}

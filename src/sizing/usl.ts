/**
 * The Universal Scalability Law (Gunther): N processes deliver
 *   X(N) = λ·N / (1 + σ·(N − 1) + κ·N·(N − 1))
 * σ is contention (a serial share), κ coherency (crosstalk growing with pairs of processes).
 */
export interface UslFit {
  sigma: number;
  kappa: number;
  /** Throughput of one process. */
  lambda: number;
}

export function uslThroughput(f: UslFit, n: number): number {
  return (f.lambda * n) / (1 + f.sigma * (n - 1) + f.kappa * n * (n - 1));
}

/** The process count past which adding one lowers throughput (infinite when κ = 0). */
export function uslPeak(f: UslFit): number {
  return f.kappa > 0 ? Math.sqrt((1 - f.sigma) / f.kappa) : Infinity;
}

/**
 * Least squares on the linear form: with λ = X(1) (the one-process point, or the mean of
 * several), C(N) = X(N)/λ gives N/C(N) − 1 = σ·(N − 1) + κ·N·(N − 1), linear in σ and κ with
 * no intercept. σ and κ below 0 are clamped (a negative κ means superlinear noise, not a law),
 * refitting the other alone.
 */
export function fitUsl(points: ReadonlyArray<{ n: number; throughput: number }>): UslFit {
  const ones = points.filter((p) => p.n === 1 && p.throughput > 0);
  if (ones.length === 0) throw new Error('the USL fit needs at least one measurement at N = 1');
  const lambda = ones.reduce((s, p) => s + p.throughput, 0) / ones.length;
  const rows = points
    .filter((p) => p.n > 1 && p.throughput > 0)
    .map((p) => ({ y: p.n / (p.throughput / lambda) - 1, a: p.n - 1, b: p.n * (p.n - 1) }));
  if (rows.length === 0) return { sigma: 0, kappa: 0, lambda };
  const saa = rows.reduce((s, r) => s + r.a * r.a, 0);
  const sbb = rows.reduce((s, r) => s + r.b * r.b, 0);
  const sab = rows.reduce((s, r) => s + r.a * r.b, 0);
  const say = rows.reduce((s, r) => s + r.a * r.y, 0);
  const sby = rows.reduce((s, r) => s + r.b * r.y, 0);
  const det = saa * sbb - sab * sab;
  let sigma: number;
  let kappa: number;
  if (Math.abs(det) < 1e-12 * Math.max(1, saa * sbb)) {
    // one distinct N > 1: σ and κ cannot be told apart, so the cost is read as contention
    sigma = say / saa;
    kappa = 0;
  } else {
    sigma = (say * sbb - sby * sab) / det;
    kappa = (saa * sby - sab * say) / det;
  }
  if (kappa < 0) {
    kappa = 0;
    sigma = say / saa;
  }
  if (sigma < 0) {
    sigma = 0;
    kappa = Math.max(0, sby / sbb);
  }
  return { sigma, kappa, lambda };
}

import { billOfMaterials, fmt, type Component, type NetworkTier } from './bom.js';
import type { Calibration } from './calibration.js';
import { growth, tradeoffs, type Tradeoff, type TradeoffSet } from './tradeoffs.js';
import type { Workload } from './workload.js';

/** What `chatlab size` prints with --json and renders into its report. */
export interface SizeResult {
  workload: Workload;
  components: Array<Pick<Component, 'name' | 'count' | 'cores' | 'memoryGiB' | 'diskGiB' | 'bound'> & Pick<Component, 'machines' | 'busyCores' | 'detail' | 'limit'>>;
  binding: string;
  bindingWhy: string;
  finding: string;
  totals: { machines: number; cores: number; memoryGiB: number; diskGiB: number };
  network: NetworkTier[];
  tradeoffs?: Tradeoff[];
  growth: ReturnType<typeof growth>;
  notes: string[];
  calibration: { file: string; measuredAt: string; machine: Calibration['machine'] };
}

const round = (v: number, digits = 1) => Number(v.toFixed(digits));

export function sizeWorkload(w: Workload, c: Calibration, sets: TradeoffSet[], calibrationFile: string): SizeResult {
  const b = billOfMaterials(w, c);
  const t = sets.length > 0 ? tradeoffs(w, c, sets) : undefined;
  const components = b.components.map((x) => ({
    name: x.name,
    count: x.count,
    cores: x.cores,
    memoryGiB: round(x.memoryGiB),
    ...(x.diskGiB !== undefined ? { diskGiB: round(x.diskGiB, 0) } : {}),
    bound: x.bound,
    machines: x.machines,
    busyCores: round(x.busyCores, 2),
    detail: x.detail,
    ...(x.limit ? { limit: x.limit } : {}),
  }));
  return {
    workload: w,
    components,
    binding: b.binding,
    bindingWhy: b.bindingWhy,
    finding: sizingFinding(w, b.totals, b.binding, b.bindingWhy, t),
    totals: { machines: b.totals.machines, cores: b.totals.cores, memoryGiB: round(b.totals.memoryGiB, 0), diskGiB: round(b.totals.diskGiB, 0) },
    network: b.network.map((n) => ({ tier: n.tier, gbitPerSec: round(n.gbitPerSec, 2) })),
    ...(t ? { tradeoffs: t } : {}),
    growth: growth(w, c),
    notes: b.notes,
    calibration: { file: calibrationFile, measuredAt: c.measuredAt, machine: c.machine },
  };
}

/** One sentence: the total, what binds, and the costliest trade-off by how much. */
export function sizingFinding(w: Workload, totals: { machines: number; cores: number }, binding: string, why: string, t?: Tradeoff[]): string {
  const head = `${fmt(w.users)} users need ${fmt(totals.machines)} machines (${fmt(totals.cores)} cores)`;
  const bind = why.startsWith('classic') ? `, and ${binding} cannot keep up: ${why}` : `, ${why}`;
  // the trade-off whose costliest value is furthest from its cheapest decides the clause
  const widest = (t ?? [])
    .filter((x) => x.variants.length > 1)
    .map((x) => {
      const m = x.variants.map((v) => v.machines);
      return { x, spread: Math.max(...m) / Math.max(1, Math.min(...m)) };
    })
    .sort((a, b) => b.spread - a.spread)[0];
  const trade = widest ? `; of the trade-offs, ${widest.x.sentence.replace(/\.$/, '')}` : '';
  return `${head}${bind}${trade}.`;
}

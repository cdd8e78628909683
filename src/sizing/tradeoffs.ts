import { ChatlabError, ErrorCodes } from '../core/index.js';
import { billOfMaterials, fmt, type BillOfMaterials } from './bom.js';
import type { Calibration } from './calibration.js';
import { TRADEOFF_KEYS, workloadSchema, type TradeoffKey, type Workload } from './workload.js';

export interface TradeoffSet {
  key: TradeoffKey;
  values: string[];
}

export interface TradeoffVariant {
  value: string;
  machines: number;
  cores: number;
  memoryGiB: number;
  binding: string;
  components: Array<{ name: string; count: number; machines: number }>;
}

export interface Tradeoff {
  key: TradeoffKey;
  variants: TradeoffVariant[];
  /** One sentence: which value costs most, and by how much against the cheapest. */
  sentence: string;
}

/** `--set routing=inbox,group` → keys and values, each value checked against the workload's schema. */
export function parseTradeoffSets(sets: string[], base: Workload): TradeoffSet[] {
  return sets.map((s) => {
    const m = /^([A-Za-z]+)=(.+)$/.exec(s);
    if (!m) throw new ChatlabError(ErrorCodes.CONFIG, `--set ${s}: expected key=value[,value...]`);
    const key = m[1] as TradeoffKey;
    if (!TRADEOFF_KEYS.includes(key)) throw new ChatlabError(ErrorCodes.CONFIG, `--set ${s}: unknown key "${m[1]}" (one of ${TRADEOFF_KEYS.join(', ')})`);
    const values = m[2]!.split(',').map((v) => v.trim()).filter(Boolean);
    for (const v of values) workloadWith(base, key, v);
    return { key, values };
  });
}

/** The workload with one key changed, validated (a bad value is CHATLAB_E_CONFIG naming the key). */
export function workloadWith(base: Workload, key: TradeoffKey, value: string): Workload {
  const raw = { ...base, [key]: key === 'groupThreshold' ? Number(value) : value };
  const parsed = workloadSchema.safeParse(raw);
  if (!parsed.success) throw new ChatlabError(ErrorCodes.CONFIG, `--set ${key}=${value}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data;
}

function variantOf(value: string, b: BillOfMaterials): TradeoffVariant {
  return {
    value,
    machines: b.totals.machines,
    cores: b.totals.cores,
    memoryGiB: Math.round(b.totals.memoryGiB),
    binding: b.binding,
    components: b.components.map((c) => ({ name: c.name, count: c.count, machines: c.machines })),
  };
}

/** Each key's values side by side, every other input as in the workload. */
export function tradeoffs(base: Workload, c: Calibration, sets: TradeoffSet[]): Tradeoff[] {
  return sets.map(({ key, values }) => {
    const variants = values.map((v) => variantOf(v, billOfMaterials(workloadWith(base, key, v), c)));
    return { key, variants, sentence: costSentence(key, variants) };
  });
}

/** "routing=inbox costs most: 1,240 machines, 2.1× routing=group's 590 (gateways bind in both)." */
export function costSentence(key: string, variants: TradeoffVariant[]): string {
  if (variants.length === 0) return `${key}: no variant`;
  const sorted = [...variants].sort((a, b) => b.machines - a.machines || b.cores - a.cores);
  const worst = sorted[0]!;
  const best = sorted.at(-1)!;
  if (variants.length === 1) return `${key}=${worst.value} needs ${fmt(worst.machines)} machines (${fmt(worst.cores)} cores).`;
  if (worst.machines === best.machines && worst.cores === best.cores) return `${key} makes no difference in machines here: ${fmt(worst.machines)} in each (${variants.map((v) => `${key}=${v.value}`).join(', ')}).`;
  if (worst.machines === best.machines) return `${key}=${worst.value} costs most: ${fmt(worst.cores)} cores against ${key}=${best.value}'s ${fmt(best.cores)}, on the same ${fmt(worst.machines)} machines.`;
  const ratio = best.machines > 0 ? worst.machines / best.machines : Infinity;
  const by = ratio >= 1.095 ? `${ratio.toFixed(1)}× ${key}=${best.value}'s ${fmt(best.machines)}` : `${fmt(worst.machines - best.machines)} more than ${key}=${best.value}'s ${fmt(best.machines)} (${worst.cores - best.cores >= 0 ? '+' : ''}${fmt(worst.cores - best.cores)} cores)`;
  const where = worst.binding === best.binding ? `${worst.binding} need the most in both` : `${worst.binding} against ${best.binding} need the most`;
  return `${key}=${worst.value} costs most: ${fmt(worst.machines)} machines, ${by} (${where}).`;
}

export const GROWTH_USERS = [10_000, 100_000, 1_000_000, 10_000_000, 100_000_000];

/** Machines per component as users grow (the report's chart). */
export function growth(base: Workload, c: Calibration, users = GROWTH_USERS): Array<{ users: number; components: Array<{ name: string; machines: number }> }> {
  return users.map((u) => ({ users: u, components: billOfMaterials({ ...base, users: u }, c).components.map((x) => ({ name: x.name, machines: x.machines })) }));
}

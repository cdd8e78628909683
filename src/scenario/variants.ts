import { ChatlabError, ErrorCodes } from '../core/index.js';
import type { ParamValue } from './result.js';

/**
 * `--set key=a,b --set other=x` → one variant per combination (a comma list runs each value in
 * turn under the same load). Values stay strings here; the scenario's schema coerces them.
 */
export function parseSets(sets: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new ChatlabError(ErrorCodes.CONFIG, `--set expects key=value[,value...] (got "${s}")`);
    const key = s.slice(0, eq).trim();
    const values = s.slice(eq + 1).split(',').map((v) => v.trim()).filter((v) => v.length > 0);
    if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(key)) throw new ChatlabError(ErrorCodes.CONFIG, `--set: "${key}" is not a parameter name`);
    if (values.length === 0) throw new ChatlabError(ErrorCodes.CONFIG, `--set ${key}: no value`);
    out[key] = values;
  }
  return out;
}

export interface VariantSpec {
  name: string;
  /** Only the parameters that vary, plus all fixed --set values. */
  overrides: Record<string, string>;
}

export function expandVariants(sets: Record<string, string[]>): VariantSpec[] {
  let combos: Array<Record<string, string>> = [{}];
  for (const [key, values] of Object.entries(sets)) {
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  const varying = Object.entries(sets).filter(([, v]) => v.length > 1).map(([k]) => k);
  return combos.map((overrides) => ({
    name: varying.length === 0 ? 'default' : varying.map((k) => `${k}=${overrides[k]}`).join(' '),
    overrides,
  }));
}

export function paramsForReport(params: Record<string, unknown>): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(params)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else if (Array.isArray(v)) out[k] = v.join(',');
  }
  return out;
}

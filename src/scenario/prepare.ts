import { ChatlabError, ErrorCodes } from '../core/index.js';
import { STORE_SETTING_KEYS, storeSettingsSchema, type StoreSettings } from '../store/index.js';
import { paramNames } from './describe.js';
import { allMeasures, knownMeasure, parseThreshold, type Threshold } from './thresholds.js';
import type { ScenarioDefinition } from './types.js';
import { expandVariants, type VariantSpec } from './variants.js';

/** Edit distance, for "did you mean …". */
export function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** ` (did you mean "x"?)` when one candidate is close, else the list of what is allowed. */
export function suggest(word: string, candidates: readonly string[]): string {
  const best = candidates.map((c) => ({ c, d: distance(word, c) })).sort((x, y) => x.d - y.d)[0];
  if (best && best.d <= Math.max(2, Math.floor(word.length / 3))) return `did you mean "${best.c}"?`;
  const prefixed = candidates.filter((c) => word.length >= 3 && c.toLowerCase().startsWith(word.toLowerCase()));
  if (prefixed.length === 1) return `did you mean "${prefixed[0]}"?`;
  return `known: ${candidates.join(', ')}`;
}

export interface PreparedVariant {
  spec: VariantSpec;
  /** The scenario's parameters, and the store settings given with --set (recorded in the report). */
  params: Record<string, unknown>;
  /** Store settings (consistency levels, acks, min.insync.replicas) this variant runs with; empty: the stack's. */
  store: StoreSettings;
  checks: Threshold[];
}

/**
 * Everything about a run that can be wrong without a stack: --set keys and values, thresholds
 * and their measure names. Throws one CHATLAB_E_CONFIG line; called before any stack starts.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each scenario has its own params type
export function prepareRun(def: ScenarioDefinition<any>, sets: Record<string, string[]>, thresholds?: string[]): PreparedVariant[] {
  // every scenario takes the store settings (store/consistency.ts) besides its own parameters
  const names = [...paramNames(def), ...STORE_SETTING_KEYS];
  if (names.length > STORE_SETTING_KEYS.length) {
    for (const key of Object.keys(sets)) {
      if (!names.includes(key)) throw new ChatlabError(ErrorCodes.CONFIG, `--set ${key}: ${def.name} has no parameter "${key}"; ${suggest(key, names)}`);
    }
  }
  const specs = expandVariants({ ...(def.defaultSets ?? {}), ...sets });
  const declared = def.measures ? Object.keys(def.measures) : undefined;
  return specs.map((spec) => {
    const parsed = def.params.safeParse(spec.overrides);
    if (!parsed.success) {
      const i = parsed.error.issues[0]!;
      const key = i.path.join('.');
      const got = key ? ` (got "${spec.overrides[key] ?? ''}")` : '';
      throw new ChatlabError(ErrorCodes.CONFIG, `--set ${key || 'params'}: ${i.message}${got}`);
    }
    const storeWanted = Object.fromEntries(STORE_SETTING_KEYS.filter((k) => spec.overrides[k] !== undefined).map((k) => [k, spec.overrides[k]]));
    const storeParsed = storeSettingsSchema.safeParse(storeWanted);
    if (!storeParsed.success) {
      const i = storeParsed.error.issues[0]!;
      const key = i.path.join('.');
      throw new ChatlabError(ErrorCodes.CONFIG, `--set ${key}: ${i.message} (got "${spec.overrides[key] ?? ''}")`);
    }
    const store = storeParsed.data;
    const params = { ...(parsed.data as Record<string, unknown>), ...store };
    const texts = thresholds ?? (typeof def.thresholds === 'function' ? def.thresholds(params) : def.thresholds);
    const checks = texts.map(parseThreshold);
    for (const t of checks) {
      if (!knownMeasure(t.left, declared)) {
        throw new ChatlabError(ErrorCodes.CONFIG, `--threshold "${t.name}": ${def.name} has no measure "${t.left}"; ${suggest(t.left, allMeasures(declared))}`);
      }
    }
    return { spec, params, store, checks };
  });
}

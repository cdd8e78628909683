import type { ScenarioDefinition } from './types.js';

/** One scenario parameter as `chatlab scenarios` shows it: read from the zod schema itself. */
export interface ParamInfo {
  name: string;
  type: string;
  default: unknown;
  meaning: string;
  /** What each value of an enum parameter means (from the definition's `choiceDocs`). */
  choices?: Record<string, string>;
}

export interface ScenarioInfo {
  name: string;
  description: string;
  params: ParamInfo[];
  /** Variants run when no comma list is given (key → values). */
  variants: Record<string, string[]>;
  thresholds: string[];
  measures: Record<string, string>;
  needsNativeInfra: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- zod's internal def is untyped here
type Def = any;

function typeOf(def: Def): string {
  switch (def?.type) {
    case 'default':
    case 'optional':
    case 'nullable':
      return typeOf(def.innerType?.def);
    case 'number': {
      const int = (def.checks ?? []).some((c: Def) => c._zod?.def?.format === 'safeint');
      const min = (def.checks ?? []).find((c: Def) => c._zod?.def?.check === 'greater_than')?._zod.def.value;
      const max = (def.checks ?? []).find((c: Def) => c._zod?.def?.check === 'less_than')?._zod.def.value;
      const range = min !== undefined || max !== undefined ? ` ${min ?? ''}..${max ?? ''}` : '';
      return `${int ? 'integer' : 'number'}${range}`;
    }
    case 'enum':
      return Object.values(def.entries).join('|');
    case 'pipe':
      return typeOf(def.in?.def) === 'boolean|true|false|1|0|yes|no' ? 'boolean' : typeOf(def.in?.def);
    case 'union':
      return def.options.map((o: Def) => typeOf(o.def)).join('|');
    default:
      return String(def?.type ?? 'unknown');
  }
}

/** Parameter names of a scenario (empty when its schema is not an object). */
export function paramNames(def: ScenarioDefinition): string[] {
  const shape = (def.params as unknown as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}

export function describeParams(def: ScenarioDefinition): ParamInfo[] {
  const shape = (def.params as unknown as { shape?: Record<string, { def: Def }> }).shape ?? {};
  return Object.entries(shape).map(([name, field]) => ({
    name,
    type: typeOf(field.def),
    default: field.def.type === 'default' ? field.def.defaultValue : undefined,
    meaning: def.paramDocs?.[name] ?? '',
    ...(def.choiceDocs?.[name] ? { choices: def.choiceDocs[name] } : {}),
  }));
}

export function describeScenario(def: ScenarioDefinition): ScenarioInfo {
  let thresholds: string[];
  if (typeof def.thresholds === 'function') {
    const parsed = def.params.safeParse({});
    thresholds = parsed.success ? def.thresholds(parsed.data) : [];
  } else thresholds = def.thresholds;
  return {
    name: def.name,
    description: def.description,
    params: describeParams(def),
    variants: def.defaultSets ?? {},
    thresholds,
    measures: def.measures ?? {},
    needsNativeInfra: def.needsNativeInfra === true,
  };
}

/** The README's scenario table (Markdown), generated from the definitions. */
export function scenarioTableMarkdown(defs: ScenarioDefinition[]): string {
  const rows = defs.map((d) => {
    const info = describeScenario(d);
    const params = info.params.map((p) => `\`${p.name}\`=${p.default === undefined ? '—' : String(p.default)}`).join(', ');
    const variants = Object.entries(info.variants).map(([k, v]) => `${k}: ${v.join(', ')}`).join('; ') || '—';
    return `| \`${info.name}\` | ${info.description.replace(/\|/g, '\\|')} | ${params} | ${variants} | ${info.thresholds.map((t) => `\`${t}\``).join(', ')} |`;
  });
  return ['| scenario | what it shows | parameters (default) | default variants | default thresholds |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The tree's shape (docs/architecture.md#layout): each folder of src/ is reached through its index.ts,
 * no file imports itself back through others, and no folder imports one above it.
 */
const root = path.resolve(import.meta.dirname, '../..');
const SPEC = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

/** Lower layers never import higher ones; folders of one layer do not import each other. */
const LAYERS: string[][] = [
  ['core'],
  ['store', 'client', 'dashboard'],
  ['infra', 'presence', 'workers'],
  ['gateway', 'stack'],
  ['scenario'],
  ['report'],
  ['cli'],
];
const layerOf = new Map(LAYERS.flatMap((folders, i) => folders.map((f) => [f, i] as const)));

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sources(p);
    return /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

function resolveSpec(from: string, spec: string): string {
  const base = path.resolve(path.dirname(from), spec).replace(/\.js$/, '');
  for (const ext of ['.ts', '.tsx']) if (fs.existsSync(base + ext)) return base + ext;
  return base;
}

/** `core` for src/core/<file>.ts, `test` for test/<file>, `src` for a file directly in src/. */
function folderOf(file: string): string {
  const [top, second, third] = path.relative(root, file).split(path.sep);
  return top === 'src' && third !== undefined ? second! : top!;
}

const files = ['src', 'bench', 'scenarios', 'test'].flatMap((d) => sources(path.join(root, d)));
const imports = new Map(
  files.map((f) => {
    const text = fs.readFileSync(f, 'utf8');
    return [f, [...text.matchAll(SPEC)].map((m) => resolveSpec(f, (m[1] ?? m[2])!))] as const;
  }),
);
const rel = (f: string) => path.relative(root, f);

describe('the tree', () => {
  it('reaches another folder of src only through its index.ts', () => {
    const deep = [...imports].flatMap(([from, targets]) =>
      targets
        .filter((t) => t.startsWith(path.join(root, 'src') + path.sep) && folderOf(t) !== folderOf(from) && path.basename(t) !== 'index.ts')
        .map((t) => `${rel(from)} -> ${rel(t)}`),
    );
    expect(deep).toEqual([]);
  });

  it('has no folder of src importing one above it or beside it', () => {
    const wrong = new Set<string>();
    for (const [from, targets] of imports) {
      const a = layerOf.get(folderOf(from));
      if (a === undefined || !from.startsWith(path.join(root, 'src'))) continue;
      for (const t of targets) {
        const b = layerOf.get(folderOf(t));
        if (b !== undefined && folderOf(t) !== folderOf(from) && b >= a) {
          wrong.add(`${folderOf(from)} -> ${folderOf(t)}`);
        }
      }
    }
    expect([...wrong]).toEqual([]);
  });

  it('has no import cycle between files of src, scenarios and bench', () => {
    const inTree = (f: string) => ['src', 'scenarios', 'bench'].some((d) => f.startsWith(path.join(root, d) + path.sep));
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, trail: string[]): void => {
      state.set(file, 'open');
      for (const next of imports.get(file) ?? []) {
        if (!inTree(next)) continue;
        if (state.get(next) === 'open') cycles.push([...trail.slice(trail.indexOf(next)), next].map(rel).join(' -> '));
        else if (!state.has(next)) visit(next, [...trail, next]);
      }
      state.set(file, 'done');
    };
    for (const f of files) if (inTree(f) && !state.has(f)) visit(f, [f]);
    expect(cycles).toEqual([]);
  });

  it('knows every folder of src', () => {
    const folders = fs.readdirSync(path.join(root, 'src'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(folders.filter((f) => !layerOf.has(f))).toEqual([]);
  });
});

/**
 * scenarios/ (the scenario catalogue) and bench/ (benchmarks) stand beside src/ and drive the
 * system from outside: they reach src only through each folder's index.ts (checked above for
 * every file), talk to the services (gateway, presence, workers) over their wire rather than
 * importing their code, and never import the CLI, the report or the dashboard, which sit above
 * them. Only the CLI loads the scenario catalogue, through scenarios/index.ts; nothing loads bench/.
 */
const OUTSIDE_ONLY = ['gateway', 'presence', 'workers', 'report', 'cli', 'dashboard'];
const under = (dir: string) => (f: string) => f.startsWith(path.join(root, dir) + path.sep);
const isTest = (f: string) => /\.test\.tsx?$/.test(f) || under('test')(f);

describe('scenarios and bench', () => {
  it('import no service, report, dashboard or CLI code of src', () => {
    const wrong = [...imports].flatMap(([from, targets]) =>
      under('scenarios')(from) || under('bench')(from)
        ? targets.filter((t) => under('src')(t) && OUTSIDE_ONLY.includes(folderOf(t))).map((t) => `${rel(from)} -> ${rel(t)}`)
        : [],
    );
    expect(wrong).toEqual([]);
  });

  it('are loaded by src only where the CLI registers the scenarios, through scenarios/index.ts', () => {
    const wrong = [...imports].flatMap(([from, targets]) =>
      isTest(from)
        ? []
        : targets
            .filter((t) => (under('bench')(t) && !under('bench')(from)) || (under('scenarios')(t) && !under('scenarios')(from) && !(folderOf(from) === 'cli' && t === path.join(root, 'scenarios/index.ts'))))
            .map((t) => `${rel(from)} -> ${rel(t)}`),
    );
    expect(wrong).toEqual([]);
  });
});

/** Imports that load code at run time (not `import type`), relative or of packages. */
const RUNTIME_SPEC = /(?:^|\n)\s*(?:import(?!\s+type\b)|export(?!\s+type\b))\s[^;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function runtimeGraph(entry: string): { files: string[]; packages: Set<string> } {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file) || !fs.existsSync(file)) return;
    seen.add(file);
    for (const m of fs.readFileSync(file, 'utf8').matchAll(RUNTIME_SPEC)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith('.')) visit(resolveSpec(file, spec));
      else packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  };
  visit(entry);
  return { files: [...seen].map(rel), packages };
}

describe('a load worker', () => {
  // a worker holds 10,000 sockets in a few MB each: these cost ~17 MB of RSS per process
  it('loads no validation, metrics, store or server code', () => {
    const { files, packages } = runtimeGraph(path.join(root, 'src/scenario/load/worker-main.ts'));
    expect(files).toContain('src/client/sim-client.ts');
    expect([...packages].filter((p) => ['zod', 'prom-client', 'ioredis', 'kafkajs', 'cassandra-driver', 'ws'].includes(p))).toEqual([]);
    expect(files.filter((f) => f === 'src/core/index.ts' || f.startsWith('src/gateway/') || f.startsWith('src/store/'))).toEqual([]);
  });
});

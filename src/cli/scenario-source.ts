import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ChatlabError, ErrorCodes, errorMessage } from '../core/index.js';
import { suggest, type ScenarioDefinition } from '../scenario/index.js';
import { scenarios } from '../../scenarios/index.js';

const isFile = (name: string) => /\.(m?[jt]s)$/.test(name) || name.startsWith('.') || name.includes('/');

/**
 * A scenario by name (scenarios/index.ts) or from a file (`./my-scenario.ts|.js`) whose default
 * (or `scenario`) export is a ScenarioDefinition (docs/scenario-api.md). A .ts file is
 * transpiled with the TypeScript compiler when it is installed.
 */
export async function loadScenario(name: string): Promise<ScenarioDefinition> {
  if (!isFile(name)) {
    const def = scenarios[name];
    if (!def) throw new ChatlabError(ErrorCodes.CONFIG, `no scenario "${name}"; ${suggest(name, Object.keys(scenarios))}`);
    return def;
  }
  const file = path.resolve(name);
  if (!fs.existsSync(file)) throw new ChatlabError(ErrorCodes.CONFIG, `scenario file ${name} does not exist`);
  let mod: Record<string, unknown>;
  try {
    mod = file.endsWith('.ts') ? await importTs(file) : await import(pathToFileURL(file).href);
  } catch (e) {
    if (e instanceof ChatlabError) throw e;
    throw new ChatlabError(ErrorCodes.CONFIG, `scenario file ${name} does not load: ${errorMessage(e).split('\n')[0]}`);
  }
  const def = (mod['default'] ?? mod['scenario']) as Partial<ScenarioDefinition> | undefined;
  const missing = ['name', 'description', 'params', 'thresholds', 'run'].filter((k) => !def || (def as Record<string, unknown>)[k] === undefined);
  if (missing.length > 0) throw new ChatlabError(ErrorCodes.CONFIG, `scenario file ${name}: its default export lacks ${missing.join(', ')} (see docs/scenario-api.md)`);
  if (typeof (def!.params as { safeParse?: unknown }).safeParse !== 'function') throw new ChatlabError(ErrorCodes.CONFIG, `scenario file ${name}: params must be a zod schema`);
  return def as ScenarioDefinition;
}

async function importTs(file: string): Promise<Record<string, unknown>> {
  let ts: typeof import('typescript');
  try {
    ts = (await import('typescript')).default;
  } catch {
    throw new ChatlabError(ErrorCodes.CONFIG, `${file}: running a .ts scenario needs the typescript package (npm i -D typescript), or compile it to .js`);
  }
  const out = ts.transpileModule(fs.readFileSync(file, 'utf8'), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 }, fileName: file });
  // next to the source, so its imports (zod, chatlab) resolve as they would for the .ts
  const tmp = path.join(path.dirname(file), `.${path.basename(file, '.ts')}.${process.pid}.chatlab.mjs`);
  fs.writeFileSync(tmp, out.outputText);
  try {
    return await import(pathToFileURL(tmp).href);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

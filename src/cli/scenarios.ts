import type { Command } from 'commander';
import { describeScenario, type ScenarioInfo } from '../scenario/index.js';
import { scenarios } from '../../scenarios/index.js';
import { exitCodeFor } from './exit-codes.js';
import { makeChalk, out, printJson, reportError } from './output.js';
import { loadScenario } from './scenario-source.js';

export function registerScenarios(program: Command): void {
  program
    .command('scenarios [name]')
    .description('the scenarios, each with its parameters (type, default, meaning), variants, thresholds and measures')
    .option('--json', 'print them as JSON')
    .addHelpText('after', '\nExamples:\n  $ chatlab scenarios\n  $ chatlab scenarios reconnect-race\n  $ chatlab scenarios --json | jq \'.[].name\'')
    .action(async (name: string | undefined, opts: { json?: boolean }) => {
      try {
        const infos = name ? [describeScenario(await loadScenario(name))] : Object.values(scenarios).map(describeScenario);
        if (opts.json) printJson(name ? infos[0] : infos);
        else for (const info of infos) printScenario(info, !name);
        process.exitCode = 0;
      } catch (e) {
        reportError(e, opts.json);
        process.exitCode = exitCodeFor(e);
      }
    });
}

function printScenario(s: ScenarioInfo, brief: boolean): void {
  const c = makeChalk();
  out(`${c.bold(s.name)}  ${s.description}${s.needsNativeInfra ? c.dim(' (needs --infra native)') : ''}`);
  const nameWidth = Math.max(...s.params.map((p) => p.name.length));
  const typeWidth = Math.min(24, Math.max(...s.params.map((p) => p.type.length)));
  out('  parameters (--set name=value):');
  for (const p of s.params) {
    const def = p.default === undefined ? '' : `default ${String(p.default)}`;
    out(`    ${p.name.padEnd(nameWidth)}  ${c.dim(p.type.length > typeWidth ? `${p.type}\n${' '.repeat(nameWidth + 6 + typeWidth)}` : p.type.padEnd(typeWidth))}  ${def}${p.meaning && !brief ? ` · ${p.meaning}` : ''}`);
    if (!brief && p.choices) {
      const width = Math.max(...Object.keys(p.choices).map((k) => k.length));
      for (const [value, meaning] of Object.entries(p.choices)) out(`      ${value.padEnd(width)}  ${c.dim(meaning)}`);
    }
  }
  const variants = Object.entries(s.variants).map(([k, v]) => `${k}=${v.join(',')}`);
  out(`  variants:   ${variants.length ? variants.join(' ') : 'one (default)'}`);
  out(`  thresholds: ${s.thresholds.join(', ')}`);
  if (!brief && Object.keys(s.measures).length) {
    out('  measures:');
    for (const [m, meaning] of Object.entries(s.measures)) out(`    ${m}  ${c.dim(meaning)}`);
  }
  out();
}

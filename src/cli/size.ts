import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { renderSizingHtml, renderSizingMarkdown } from '../report/index.js';
import { fmt, fmtGiB, parseTradeoffSets, sizeWorkload, type SizeResult } from '../sizing/index.js';
import { exitCodeFor } from './exit-codes.js';
import { err, makeChalk, out, printJson, reportError } from './output.js';
import { loadCalibration, WORKLOAD_FLAGS, workloadFrom } from './size-input.js';
import { validateCommand } from './size-validate.js';
import { formatTable } from './table.js';
import type { GlobalOptions } from './context.js';

export function registerSize(program: Command): void {
  const cmd = program
    .command('size')
    .description('a bill of materials for a workload at any scale, from unit costs measured on this machine (`chatlab calibrate`)')
    .option('--workload <file.json>', 'every workload field in one JSON object (flags override it; docs/sizing.md lists the fields)');
  for (const f of WORKLOAD_FLAGS) cmd.option(`--${f.flag} <n>`, f.help);
  cmd
    .option('--group-mix <mix>', 'share of messages per conversation size, e.g. 2:0.7,10:0.2,100:0.08,1000:0.02')
    .option('--set <key=a,b>', 'trade-offs side by side: routing=inbox,hybrid,group groupThreshold=100,1000 presence=inline,decoupled receipts=write-through,write-back search=cloud,local pubsub=sharded,classic', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--calibration <file>', 'unit costs measured by `chatlab calibrate` (default: the bundled calibration/calibration.json)')
    .option('--out <dir>', 'also write report.md, report.html and size.json there')
    .option('--validate', 'run scenarios the model did not see on the running stack and compare predicted with measured (exit 1 beyond ±25%)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExamples:\n  $ chatlab size --users 10000000\n  $ chatlab size --users 10000000 --set routing=inbox,hybrid,group --set presence=inline,decoupled --out reports/size\n  $ chatlab size --workload my-workload.json --json\n  $ chatlab size --validate')
    .action(async (raw: Record<string, unknown>, c: Command) => {
      const json = raw['json'] === true;
      try {
        if (raw['validate'] === true) {
          process.exitCode = await validateCommand(raw, c.optsWithGlobals() as GlobalOptions);
          return;
        }
        const w = workloadFrom(raw);
        const { file, calibration } = loadCalibration(typeof raw['calibration'] === 'string' ? raw['calibration'] : undefined);
        const sets = parseTradeoffSets((raw['set'] as string[] | undefined) ?? [], w);
        const result = sizeWorkload(w, calibration, sets, file);
        if (typeof raw['out'] === 'string') writeSizeReport(result, raw['out']);
        if (json) {
          const { workload, components, binding, tradeoffs } = result;
          printJson({ workload, components, binding, ...(tradeoffs ? { tradeoffs } : {}), bindingWhy: result.bindingWhy, finding: result.finding, totals: result.totals, network: result.network, growth: result.growth, notes: result.notes, calibration: result.calibration });
        } else printTable(result);
        if (typeof raw['out'] === 'string') err(makeChalk(process.stderr).dim(`report: ${path.join(raw['out'], 'report.html')}`));
        process.exitCode = 0;
      } catch (e) {
        reportError(e, json);
        process.exitCode = exitCodeFor(e);
      }
    });
}

export function writeSizeReport(r: SizeResult, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const files: Array<[string, string]> = [
    ['report.md', renderSizingMarkdown(r)],
    ['report.html', renderSizingHtml(r)],
    ['size.json', `${JSON.stringify(r, null, 2)}\n`],
  ];
  for (const [name, text] of files) fs.writeFileSync(path.join(dir, name), text);
}

function printTable(r: SizeResult): void {
  const c = makeChalk();
  out(c.bold(r.finding));
  out();
  const rows = r.components.map((x) => [x.name === r.binding ? `${x.name} *` : x.name, fmt(x.count), fmt(x.cores), fmtGiB(x.memoryGiB), x.diskGiB !== undefined ? fmtGiB(x.diskGiB) : '—', fmt(x.machines), x.limit ? `${x.bound} (LIMIT)` : x.bound]);
  rows.push(['total', '', fmt(r.totals.cores), fmtGiB(r.totals.memoryGiB), fmtGiB(r.totals.diskGiB), fmt(r.totals.machines), '']);
  for (const l of formatTable(['component', 'count', 'cores', 'memory', 'disk', 'machines', 'bound by'], rows, (i) => i >= 1 && i <= 5)) out(l);
  out(c.dim(`* binding: ${r.bindingWhy}`));
  for (const x of r.components) out(c.dim(`  ${x.name}: ${x.detail}${x.limit ? `; ${x.limit}` : ''}`));
  out();
  for (const l of formatTable(['network tier', 'Gbit/s'], r.network.map((n) => [n.tier, String(n.gbitPerSec)]), (i) => i === 1)) out(l);
  if (r.tradeoffs) {
    out();
    for (const t of r.tradeoffs) {
      out(c.bold(t.sentence));
      for (const l of formatTable([t.key, 'machines', 'cores', 'most machines'], t.variants.map((v) => [v.value, fmt(v.machines), fmt(v.cores), v.binding]), (i) => i === 1 || i === 2)) out(`  ${l}`);
    }
  }
  out();
  for (const n of r.notes) out(c.dim(`- ${n}`));
  out(c.dim(`- calibration: ${r.calibration.file} (${r.calibration.measuredAt}, ${r.calibration.machine.cores} × ${r.calibration.machine.cpuModel})`));
}

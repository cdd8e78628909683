import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import type { Command } from 'commander';
import { calibrateScenario } from '../../scenarios/index.js';
import { ChatlabError, ErrorCodes } from '../core/index.js';
import { runScenario, type EngineEvents } from '../scenario/index.js';
import { decodeSamples, deriveCalibration, FIGURES, fmt, PER_KIND, type Calibration, type FigureName, type PerKindName } from '../sizing/index.js';
import { readState } from '../stack/index.js';
import { hint, stateDirFrom, type GlobalOptions } from './context.js';
import { exitCodeFor } from './exit-codes.js';
import { err, makeChalk, out, printJson, reportError } from './output.js';
import { attachRunProgress } from './run-progress.js';
import { assertHealthy } from './run-stack.js';
import { formatTable } from './table.js';

/** The clock of the first core: os.cpus() reports 0 on some VMs, /proc/cpuinfo still says. */
function clockMHz(): number {
  const fromOs = os.cpus()[0]?.speed ?? 0;
  if (fromOs > 0) return fromOs;
  try {
    return Math.round(Number(/cpu MHz\s*:\s*([\d.]+)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 0));
  } catch {
    return 0;
  }
}

const loadAverage = () => os.loadavg().map((x) => Number(x.toFixed(2)));

export function registerCalibrate(program: Command): void {
  program
    .command('calibrate')
    .description('measure the unit costs `chatlab size` multiplies (CPU per frame, send, handshake, publish, message stored and indexed, read; memory per connection; bytes per message; knees; USL; idle baselines, set-up, connect, reconnect and sync costs per process kind) on the running stack, ~9 minutes')
    .option('--out <file>', 'where to write calibration.json (a calibration.md report goes beside it)', 'calibration.json')
    .option('--quick', 'shorter windows and no 10,000-connection step: a smoke run, not a measurement')
    .option('--json', 'print {"file": <path>, "figures": …} on stdout')
    .addHelpText('after', '\nNeeds a running stack with 3 gateways (for the USL fit over 1, 2, 3):\n  $ chatlab up --detach --gateways 3\n  $ chatlab calibrate --out calibration.json\n  $ chatlab size --users 10000000 --calibration calibration.json')
    .action(async (raw: Record<string, unknown>, cmd: Command) => {
      const json = raw['json'] === true;
      try {
        const globals = cmd.optsWithGlobals() as GlobalOptions;
        const stateDir = stateDirFrom(globals);
        const state = readState(stateDir);
        if (!state || state.phase !== 'running') throw new ChatlabError(ErrorCodes.NOT_RUNNING, `no stack is running (start one with \`${hint(globals, 'up --detach --gateways 3')}\`)`);
        await assertHealthy(stateDir, globals);
        const file = path.resolve(String(raw['out']));
        const c = makeChalk(process.stderr);
        const before = loadAverage();
        err(c.dim(`calibrating on ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, load average ${before.join(' ')} (other processes on the machine add noise; the report records it)`));
        const events = new EventEmitter<EngineEvents>();
        const progress = attachRunProgress(events, 'calibrate', stateDir);
        const quick = raw['quick'] === true;
        const sets: Record<string, string[]> = { routing: ['group', 'inbox'], ...(quick ? { windowSec: ['2'], repeats: ['2'], idleConnections: ['1000'], kneeSteps: ['2'], idleWindows: ['1'], flapWaves: ['2'] } : {}) };
        const started = Date.now();
        let result;
        try {
          result = await runScenario(calibrateScenario, { stateDir, sets, seed: 1, config: { command: 'calibrate' } }, events);
        } finally {
          progress.stop();
        }
        const failed = result.variants.flatMap((v) => v.errors);
        if (failed.length > 0) throw new ChatlabError(ErrorCodes.SCENARIO, `calibration could not be completed: ${failed[0]}`);
        const group = result.variants.find((v) => v.params['routing'] === 'group');
        const inbox = result.variants.find((v) => v.params['routing'] === 'inbox');
        if (!group || !inbox) throw new ChatlabError(ErrorCodes.SCENARIO, 'calibration was interrupted before both routings ran');
        const cpu = os.cpus()[0];
        const after = loadAverage();
        const calibration = deriveCalibration({
          inbox: decodeSamples(inbox.measures),
          group: decodeSamples(group.measures),
          groupSize: Number(group.params['groupSize'] ?? 10),
          measuredAt: new Date().toISOString(),
          machine: { cpuModel: cpu?.model ?? 'unknown', cores: os.cpus().length, clockMHz: clockMHz(), memoryGiB: Math.round(os.totalmem() / 2 ** 30), loadAverage: [...before, ...after] },
          versions: { ...state.versions, node: process.version, chatlab: '0.1.0', provider: state.provider ?? '?' },
        });
        calibration.notes.push(`load average before ${before.join(' ')}, after ${after.join(' ')} (1, 5, 15 min) on ${os.cpus().length} cores; ${Math.round((Date.now() - started) / 1000)} s`);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, `${JSON.stringify(calibration, null, 2)}\n`);
        const report = file.replace(/\.json$/, '') + '.md';
        fs.writeFileSync(report, calibrationMarkdown(calibration));
        if (json) printJson({ file, report, loadAverage: calibration.machine.loadAverage, figures: calibration.figures, usl: calibration.usl, notes: calibration.notes });
        else for (const l of calibrationLines(calibration)) out(l);
        err(c.green(`✔ calibration written to ${file} (report ${report}); use it: chatlab size --calibration ${path.relative(process.cwd(), file) || file}`));
        process.exitCode = 0;
      } catch (e) {
        reportError(e, json);
        process.exitCode = exitCodeFor(e);
      }
    });
}

const spread = (f: { value: number; min: number; max: number; n: number }) => (f.n > 1 ? `${fmtFig(f.min)}–${fmtFig(f.max)} (n=${f.n})` : `n=${f.n}`);
const fmtFig = (v: number) => (v >= 1e4 ? fmt(v) : v >= 10 ? v.toFixed(0) : v.toPrecision(3));

/** Every figure as [name, median, range, what]: the unit costs, then the per-kind ones (`baselineUsPerSec.kafka`, …). */
function figureRows(c: Calibration): string[][] {
  const perKind = (Object.keys(PER_KIND) as PerKindName[]).flatMap((k) => Object.entries(c[k] ?? {}).map(([kind, f]) => [`${k}.${kind}`, fmtFig(f.value), spread(f), `${kind}: ${PER_KIND[k]}`]));
  return [...(Object.keys(FIGURES) as FigureName[]).map((k) => [k, fmtFig(c.figures[k].value), spread(c.figures[k]), FIGURES[k]]), ...perKind];
}

export function calibrationLines(c: Calibration): string[] {
  const rows = figureRows(c);
  return [
    `machine: ${c.machine.cores} × ${c.machine.cpuModel} @ ${c.machine.clockMHz} MHz, ${c.machine.memoryGiB} GiB; load average ${c.machine.loadAverage?.join(' ') ?? '?'}`,
    ...formatTable(['figure', 'median', 'range', 'what'], rows, (i) => i === 1),
    `USL over ${c.usl.points.map((p) => `N=${p.n}: ${fmt(p.throughput)} frames/s`).join(', ') || 'no points'}: σ = ${c.usl.sigma.toFixed(3)}, κ = ${c.usl.kappa.toFixed(4)}, λ = ${fmt(c.usl.lambda)} frames/s`,
    ...c.notes.map((n) => `- ${n}`),
  ];
}

function calibrationMarkdown(c: Calibration): string {
  const rows = figureRows(c).map((r) => `| ${r.join(' | ')} |`);
  return [
    `# chatlab calibration — ${c.measuredAt}`,
    '',
    `Machine: ${c.machine.cores} × ${c.machine.cpuModel} @ ${c.machine.clockMHz} MHz, ${c.machine.memoryGiB} GiB; versions ${Object.entries(c.versions).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    '',
    '| figure | median | range | what |',
    '|---|---:|---|---|',
    ...rows,
    '',
    `USL: ${c.usl.points.map((p) => `N=${p.n} ${fmt(p.throughput)}`).join(', ')} frames/s → σ = ${c.usl.sigma.toFixed(3)}, κ = ${c.usl.kappa.toFixed(4)}.`,
    '',
    ...c.notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
}

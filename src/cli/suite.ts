import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { ChatlabError, ErrorCodes } from '../core/index.js';
import { readState } from '../stack/index.js';
import { stateDirFrom, type GlobalOptions } from './context.js';
import { err, makeChalk, out, reportError } from './output.js';
import { runCommand, startRunStack, stopRunStack } from './run.js';

/** Named lists of scenario runs; `ci` is sized to finish in a few minutes on 2 cores. */
export const SUITES: Record<string, Array<{ scenario: string; set: string[] }>> = {
  ci: [
    { scenario: 'reconnect-race', set: ['clients=20', 'durationSec=8'] },
    { scenario: 'thundering-herd', set: ['clients=200'] },
    { scenario: 'large-group-fanout', set: ['sizes=10/100', 'messages=10', 'routing=inbox,group'] },
    { scenario: 'presence-storm', set: [] },
    { scenario: 'read-receipts', set: [] },
    { scenario: 'hot-path', set: ['messages=500', 'channels=50'] },
    { scenario: 'abuse', set: ['clients=8', 'perClass=2', 'flood=50'] },
  ],
  smoke: [{ scenario: 'reconnect-race', set: ['clients=8', 'durationSec=4', 'fault=none'] }],
};

export function registerSuite(program: Command, known: () => string[]): void {
  program
    .command('suite <name>')
    .description(`run a named list of scenarios for CI and write one JUnit file (${Object.keys(SUITES).join(', ')})`)
    .option('--out <dir>', 'base folder', 'reports')
    .option('--infra <provider>', 'when no stack runs: provider for the stack the suite starts', 'auto')
    .action(async (name: string, opts: { out: string; infra: string }, cmd: Command) => {
      const c = makeChalk(process.stderr);
      const globals = cmd.optsWithGlobals() as GlobalOptions;
      try {
        const suite = SUITES[name];
        if (!suite) throw new ChatlabError(ErrorCodes.CONFIG, `no suite "${name}" (known: ${Object.keys(SUITES).join(', ')})`);
        const runs = suite.filter((r) => known().includes(r.scenario));
        const stateDir = stateDirFrom(globals);
        const running = readState(stateDir);
        const own = running?.phase === 'running' ? undefined : await startRunStack(path.join(stateDir, 'run-stacks', String(process.pid)), opts.infra, 2);
        const runGlobals = own ? { ...globals, stateDir: own.state.stateDir } : globals;
        const outDir = path.join(opts.out, `suite-${name}-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
        const reports: string[] = [];
        let worst = 0;
        try {
          for (const [i, r] of runs.entries()) {
            err(c.bold(`suite ${name}: ${i + 1}/${runs.length} ${r.scenario} ${r.set.join(' ')}`));
            const code = await runCommand(r.scenario, { set: r.set }, runGlobals, { outDir, onReport: (d) => reports.push(d) });
            worst = Math.max(worst, code);
          }
        } finally {
          if (own) await stopRunStack(own);
        }
        fs.mkdirSync(outDir, { recursive: true });
        fs.writeFileSync(path.join(outDir, 'junit.xml'), mergeJunit(reports));
        out(`suite ${name}: ${worst === 0 ? 'passed' : worst === 1 ? 'a threshold failed' : 'a run could not be done'} — JUnit: ${path.join(outDir, 'junit.xml')}`);
        process.exitCode = worst;
      } catch (e) {
        reportError(e);
        process.exitCode = 2;
      }
    });
}

/** One <testsuites> with every run's test suites (each run's junit.xml holds one per variant). */
export function mergeJunit(dirs: string[]): string {
  const suites = dirs.flatMap((d) => {
    const file = path.join(d, 'junit.xml');
    if (!fs.existsSync(file)) return [];
    const xml = fs.readFileSync(file, 'utf8');
    return [...xml.matchAll(/<testsuite\b[\s\S]*?<\/testsuite>/g)].map((m) => m[0]);
  });
  const attr = (name: string) => suites.reduce((n, s) => n + Number(new RegExp(`\\b${name}="(\\d+)"`).exec(s)?.[1] ?? 0), 0);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="chatlab" tests="${attr('tests')}" failures="${attr('failures')}" errors="${attr('errors')}">\n${suites.join('\n')}\n</testsuites>\n`;
}

import type { ChalkInstance } from 'chalk';
import type { Command } from 'commander';
import { collectStatus, unhealthyParts, type StackStatus } from '../stack/index.js';
import { hint, stateDirFrom, type GlobalOptions } from './context.js';
import { Exit, exitCodeFor } from './exit-codes.js';
import { makeChalk, out, printJson, reportError } from './output.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('endpoints, health and effective options of the running stack (exit 0 healthy, 1 a part unhealthy, 3 nothing running)')
    .option('--json', 'print one JSON object')
    .addHelpText('after', '\nExamples:\n  $ chatlab status\n  $ chatlab status --json | jq .services\n  $ chatlab status || echo "not healthy (1) or not running (3)"')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      try {
        const globals = cmd.optsWithGlobals() as GlobalOptions;
        const status = await collectStatus(stateDirFrom(globals));
        if (!status) {
          if (opts.json) printJson({ running: false });
          else out(`nothing running (start it with \`${hint(globals, 'up')}\`)`);
          process.exitCode = Exit.NOT_RUNNING;
          return;
        }
        if (opts.json) printJson(status);
        else printStatus(status, makeChalk());
        // a stack with a part down is not "running": scripts and CI must see it (docs/protocol.md)
        const down = unhealthyParts(status);
        if (down.length > 0 && !opts.json) process.stderr.write(`unhealthy: ${down.join(', ')}\n`);
        process.exitCode = down.length > 0 ? Exit.FAILED : Exit.OK;
      } catch (e) {
        reportError(e, opts.json);
        process.exitCode = exitCodeFor(e);
      }
    });
}

export function printStatus(s: StackStatus, c: ChalkInstance): void {
  const mark = (ok: boolean) => (ok ? c.green('healthy  ') : c.red('unhealthy'));
  out(`${c.bold('chatlab')} · ${s.provider ?? '?'} · ${s.topology} · ${s.phase} since ${s.startedAt}${s.detached ? ' · detached' : ''}`);
  out(`  ${'redis'.padEnd(16)} ${mark(s.infra.redis.healthy)} ${s.infra.redis.url}  ${c.dim(s.versions['redis'] ?? '')}`);
  out(`  ${'kafka'.padEnd(16)} ${mark(s.infra.kafka.healthy)} ${s.infra.kafka.brokers.join(',')}  ${c.dim(s.versions['kafka'] ?? '')}`);
  out(
    `  ${'cassandra'.padEnd(16)} ${mark(s.infra.cassandra.healthy)} ${s.infra.cassandra.contactPoints.join(',')} (${s.infra.cassandra.localDataCenter})  ${c.dim(s.versions['cassandra'] ?? '')}`,
  );
  for (const n of [...(s.infra.cassandra.nodes ?? []), ...(s.infra.kafka.nodes ?? [])]) out(`    ${n.id.padEnd(14)} ${mark(n.healthy)} ${n.address}`);
  out(`  ${'search'.padEnd(16)} ${mark(s.infra.search.healthy)} ${s.infra.search.url}  ${c.dim(s.versions['search'] ?? '')}`);
  for (const svc of s.services) {
    const options = svc.options && Object.keys(svc.options).length ? `  ${c.dim(optionsText(svc.options))}` : '';
    out(`  ${svc.name.padEnd(16)} ${mark(svc.healthy)} ${svc.url}  ${c.dim(`pid ${svc.pid}`)}${options}`);
  }
  out(c.dim(`  prometheus scrape config: ${s.monitoring.prometheusConfig} (targets: ${s.monitoring.targets})`));
}

/** `routing=hybrid groupThreshold=100`: the options the service runs with. */
export function optionsText(options: Record<string, unknown>): string {
  return Object.entries(options)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
}

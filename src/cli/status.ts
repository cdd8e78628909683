import type { ChalkInstance } from 'chalk';
import type { Command } from 'commander';
import { collectStatus, type StackStatus } from '../stack/index.js';
import { stateDirFrom, type GlobalOptions } from './context.js';
import { makeChalk, out, printJson, reportError } from './output.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('endpoints and health of the running stack (exit 3 when nothing runs)')
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      try {
        const status = await collectStatus(stateDirFrom(cmd.optsWithGlobals() as GlobalOptions));
        if (!status) {
          if (opts.json) printJson({ running: false });
          else out('nothing running (start it with `chatlab up`)');
          process.exitCode = 3;
          return;
        }
        if (opts.json) printJson(status);
        else printStatus(status, makeChalk());
        process.exitCode = 0;
      } catch (e) {
        reportError(e, opts.json);
        process.exitCode = 1;
      }
    });
}

export function printStatus(s: StackStatus, c: ChalkInstance): void {
  const mark = (ok: boolean) => (ok ? c.green('healthy  ') : c.red('unhealthy'));
  out(`${c.bold('chatlab')} · ${s.provider ?? '?'} · ${s.phase} since ${s.startedAt}${s.detached ? ' · detached' : ''}`);
  out(`  ${'redis'.padEnd(16)} ${mark(s.infra.redis.healthy)} ${s.infra.redis.url}  ${c.dim(s.versions['redis'] ?? '')}`);
  out(`  ${'kafka'.padEnd(16)} ${mark(s.infra.kafka.healthy)} ${s.infra.kafka.brokers.join(',')}  ${c.dim(s.versions['kafka'] ?? '')}`);
  out(
    `  ${'cassandra'.padEnd(16)} ${mark(s.infra.cassandra.healthy)} ${s.infra.cassandra.contactPoints.join(',')} (${s.infra.cassandra.localDataCenter})  ${c.dim(s.versions['cassandra'] ?? '')}`,
  );
  out(`  ${'search'.padEnd(16)} ${mark(s.infra.search.healthy)} ${s.infra.search.url}  ${c.dim(s.versions['search'] ?? '')}`);
  for (const svc of s.services) out(`  ${svc.name.padEnd(16)} ${mark(svc.healthy)} ${svc.url}  ${c.dim(`pid ${svc.pid}`)}`);
}

import { Chalk, type ChalkInstance } from 'chalk';
import { ChatlabError, errorMessage } from '../core/index.js';

/** Colour only on a TTY, never with NO_COLOR or TERM=dumb; FORCE_COLOR wins (terminal manners). */
export function colorEnabled(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env['FORCE_COLOR'] !== undefined && env['FORCE_COLOR'] !== '0') return true;
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (env['TERM'] === 'dumb') return false;
  return Boolean(stream.isTTY);
}

export function makeChalk(stream: NodeJS.WriteStream = process.stdout): ChalkInstance {
  return new Chalk({ level: colorEnabled(stream) ? 1 : 0 });
}

export const out = (line = '') => process.stdout.write(`${line}\n`);
export const err = (line = '') => process.stderr.write(`${line}\n`);

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * A driver's multi-line error (a stack and an object dump inside a message) cut to its first
 * line, with the brackets it opened closed: one line a user can read.
 */
export function oneLine(message: string): string {
  const first = message.split('\n')[0]!.trimEnd();
  const open = (first.match(/\(/g) ?? []).length - (first.match(/\)/g) ?? []).length;
  return first + ')'.repeat(Math.max(0, open));
}

const HINTS: Partial<Record<string, string>> = {
  CHATLAB_E_READINESS_TIMEOUT: 'is it running and reachable from here? With --infra external, check --redis-url, --kafka-brokers and --cassandra-contact-points; `chatlab doctor` checks this machine',
  CHATLAB_E_INFRA_UNAVAILABLE: '`chatlab doctor` says what is missing and how to install it',
};

/** One clear message (with code) on stderr; details indented under it. */
export function reportError(e: unknown, json = false): void {
  const c = makeChalk(process.stderr);
  if (json) {
    const code = e instanceof ChatlabError ? e.code : 'CHATLAB_E_INTERNAL';
    process.stdout.write(`${JSON.stringify({ error: { code, message: errorMessage(e), details: e instanceof ChatlabError ? e.details : undefined } })}\n`);
  }
  if (e instanceof ChatlabError) {
    err(`${c.red('✖')} ${oneLine(e.message)} ${c.dim(`[${e.code}]`)}`);
    if (e.details) err(e.details.split('\n').map((l) => `  ${l}`).join('\n'));
    else if (HINTS[e.code]) err(c.dim(`  ${HINTS[e.code]}`));
  } else {
    err(`${c.red('✖')} ${oneLine(errorMessage(e))}`);
    if (process.env['CHATLAB_DEBUG'] && e instanceof Error && e.stack) err(e.stack);
  }
}

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

/** One clear message (with code) on stderr; details indented under it. */
export function reportError(e: unknown, json = false): void {
  const c = makeChalk(process.stderr);
  if (json) {
    const code = e instanceof ChatlabError ? e.code : 'CHATLAB_E_INTERNAL';
    process.stdout.write(`${JSON.stringify({ error: { code, message: errorMessage(e), details: e instanceof ChatlabError ? e.details : undefined } })}\n`);
  }
  if (e instanceof ChatlabError) {
    err(`${c.red('✖')} ${e.message} ${c.dim(`[${e.code}]`)}`);
    if (e.details) err(e.details.split('\n').map((l) => `  ${l}`).join('\n'));
  } else {
    err(`${c.red('✖')} ${errorMessage(e)}`);
    if (process.env['CHATLAB_DEBUG'] && e instanceof Error && e.stack) err(e.stack);
  }
}

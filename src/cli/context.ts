import path from 'node:path';
import { defaultStateDir } from '../core/index.js';

export interface GlobalOptions {
  stateDir?: string;
}

export function stateDirFrom(opts: GlobalOptions): string {
  return opts.stateDir ?? defaultStateDir();
}

/** A command line to paste: repeats --state-dir when it is not the default, so it acts on the same stack. */
export function hint(opts: GlobalOptions, command: string): string {
  const dir = opts.stateDir;
  if (!dir || path.resolve(dir) === defaultStateDir()) return `chatlab ${command}`;
  return `chatlab --state-dir ${/\s/.test(dir) ? JSON.stringify(dir) : dir} ${command}`;
}

import { defaultStateDir } from '../core/index.js';

export interface GlobalOptions {
  stateDir?: string;
}

export function stateDirFrom(opts: GlobalOptions): string {
  return opts.stateDir ?? defaultStateDir();
}

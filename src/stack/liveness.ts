import fs from 'node:fs';
import { isOwnedAlive, stopOwned } from '../infra/index.js';
import type { StackState } from './state.js';

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Is any part of a recorded stack still there (its `up` process, a service, an infra process)? */
export function stackAlive(state: StackState): boolean {
  if (state.cliPid !== process.pid && pidAlive(state.cliPid) && !state.detached) return true;
  if (state.phase === 'starting' && state.cliPid !== process.pid && pidAlive(state.cliPid)) return true;
  return [...state.processes, ...state.services].some(isOwnedAlive) || state.containerIds.length > 0;
}

/** Where each process we start keeps its files; every such process names its folder in its command line. */
export const OWNED_SUBDIRS = ['native', 'services'] as const;

/**
 * Every process whose command line names one of this state dir's owned folders: catches the
 * processes of a start that was killed before it could record them.
 */
export function strayProcesses(stateDir: string): Array<{ pid: number; marker: string }> {
  const markers = OWNED_SUBDIRS.map((d) => `${stateDir}/${d}/`);
  const found: Array<{ pid: number; marker: string }> = [];
  for (const entry of fs.readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const marker = markers.find((m) => cmdline.includes(m));
      if (marker) found.push({ pid, marker });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

export async function stopStrays(stateDir: string): Promise<number> {
  const strays = strayProcesses(stateDir);
  await Promise.all(strays.map((p) => stopOwned(p, 5000)));
  return strays.length;
}

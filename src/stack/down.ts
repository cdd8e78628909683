import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { healAll, stopContainers } from '../infra/index.js';
import { stopOwned } from '../infra/index.js';
import { pidAlive, stopStrays } from './liveness.js';
import { monitoringFiles, writeMonitoringFiles } from './monitoring.js';
import { readState, removeState } from './state.js';

export interface DownReport {
  found: boolean;
  stopped: string[];
}

/**
 * Stops what `up` started. A foreground `up` is asked to stop itself first (SIGTERM), since it
 * owns its children; whatever is left is stopped from the state file, then by marker.
 */
export async function stopStack(stateDir: string, onStep: (line: string) => void = () => {}): Promise<DownReport> {
  const state = readState(stateDir);
  const stopped: string[] = [];
  if (state && state.cliPid !== process.pid && pidAlive(state.cliPid)) {
    onStep(`asking chatlab up (pid ${state.cliPid}) to stop`);
    try {
      process.kill(state.cliPid, 'SIGTERM');
    } catch {
      // gone meanwhile
    }
    for (let i = 0; i < 600 && pidAlive(state.cliPid); i++) await sleep(100);
    if (!pidAlive(state.cliPid)) stopped.push(`chatlab up (pid ${state.cliPid})`);
  }
  if (state) {
    for (const svc of [...state.services].reverse()) {
      onStep(`stopping ${svc.name}`);
      await stopOwned(svc, 10_000);
      stopped.push(svc.name);
    }
    await Promise.all(
      state.processes.map(async (p) => {
        onStep(`stopping ${p.name} (pid ${p.pid})`);
        await stopOwned(p, p.stopGraceMs ?? 20_000);
        stopped.push(p.name);
      }),
    );
    if (state.containerIds.length > 0) {
      onStep(`removing ${state.containerIds.length} containers`);
      await stopContainers(state.containerIds, stateDir);
      stopped.push(...state.containerIds.map((id) => `container ${id.slice(0, 12)}`));
    }
  }
  // a partition left by a run that was killed mid-fault
  if (await healAll(stateDir)) stopped.push('nftables partition rules');
  const strays = await stopStrays(stateDir);
  if (strays > 0) stopped.push(`${strays} stray process(es)`);
  removeState(stateDir);
  // Prometheus keeps reading the targets file: an empty list, not ports someone else may reuse
  if (fs.existsSync(monitoringFiles(stateDir).targets)) writeMonitoringFiles(stateDir, []);
  return { found: state !== null || strays > 0, stopped: [...new Set(stopped)] };
}

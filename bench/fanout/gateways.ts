/**
 * The stack's gateways as the bench wants them: restarted (gracefully, same ports) with a
 * routing option (`group` / `inbox`) and, for a profile, extra node flags (`--cpu-prof`).
 * Everything goes through the service config files and the stack's own start/stop, as the
 * scenario engine's variants do; the original options are put back at the end.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readState, serviceConfigFile, startService, stopService } from '../../src/stack/index.js';
import { progress } from './output.js';

export interface GatewaySetup {
  routing?: 'group' | 'inbox' | 'hybrid';
  /** write a CPU profile of each gateway here (bench/cpu-profile-preload.ts), at its next restart */
  profileDir?: string;
}

const originals = new Map<string, unknown>();

function gatewayNames(stateDir: string): string[] {
  return (readState(stateDir)?.services ?? []).filter((s) => s.kind === 'gateway').map((s) => s.name);
}

const preload = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'cpu-profile-preload.js');

async function restart(stateDir: string, name: string, profileDir: string | undefined): Promise<void> {
  await stopService(stateDir, name, 'term');
  const before = { ...process.env };
  // the service inherits this process's environment: set only around its spawn
  if (profileDir) {
    process.env['NODE_OPTIONS'] = `${before['NODE_OPTIONS'] ?? ''} --import=${pathToFileURL(preload).href}`.trim();
    process.env['CHATLAB_CPU_PROF_DIR'] = profileDir;
  }
  try {
    await startService(stateDir, name);
  } finally {
    for (const k of ['NODE_OPTIONS', 'CHATLAB_CPU_PROF_DIR']) {
      if (before[k] === undefined) delete process.env[k];
      else process.env[k] = before[k];
    }
  }
}

/** Restarts every gateway with `setup`; returns once all are healthy again. */
export async function setupGateways(stateDir: string, setup: GatewaySetup): Promise<void> {
  for (const name of gatewayNames(stateDir)) {
    const file = serviceConfigFile(stateDir, name);
    const config = JSON.parse(fs.readFileSync(file, 'utf8')) as { options?: Record<string, unknown> };
    if (!originals.has(name)) originals.set(name, config.options);
    const options = { ...(config.options ?? {}), ...(setup.routing ? { routing: setup.routing } : {}) };
    fs.writeFileSync(file, JSON.stringify({ ...config, options }, null, 2), { mode: 0o600 });
    await restart(stateDir, name, setup.profileDir);
  }
  progress(`gateways restarted${setup.routing ? ` with routing=${setup.routing}` : ''}${setup.profileDir ? `, profiling into ${setup.profileDir}` : ''}`);
}

/** Puts the gateways' original options back (restarting them, which also writes any profile). */
export async function restoreGateways(stateDir: string): Promise<void> {
  if (originals.size === 0) return;
  for (const [name, options] of originals) {
    const file = serviceConfigFile(stateDir, name);
    const config = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(file, JSON.stringify({ ...config, options }, null, 2), { mode: 0o600 });
    await restart(stateDir, name, undefined);
  }
  originals.clear();
  progress('gateways restored to their own options');
}

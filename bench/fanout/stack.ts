/** The chatlab stack under test: the running one, or one the bench starts (`--up`) and stops. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { packageRoot } from '../../src/core/index.js';
import { readState, type StackState } from '../../src/stack/index.js';
import { progress } from './output.js';

/** chatlab's own output goes to stderr: with --json a bench's stdout is the JSON object alone. */
function chatlab(stateDir: string, args: string[]): number {
  const r = spawnSync(process.execPath, [path.join(packageRoot(), 'bin', 'chatlab'), '--state-dir', stateDir, ...args], { stdio: ['ignore', 2, 'inherit'] });
  return r.status ?? 1;
}

let startedIn: string | undefined;

export function loadStack(o: { stateDir: string; up: boolean; infra: string }): StackState {
  let state = readState(o.stateDir);
  if ((!state || state.phase !== 'running') && o.up) {
    progress(`starting a stack in ${o.stateDir} (chatlab up --detach --infra ${o.infra})`);
    if (chatlab(o.stateDir, ['up', '--detach', '--infra', o.infra]) !== 0) throw new Error('chatlab up failed');
    startedIn = o.stateDir;
    state = readState(o.stateDir);
  }
  if (!state || state.phase !== 'running' || !state.endpoints) {
    throw new Error(`no running stack in ${o.stateDir}: start one with \`chatlab --state-dir ${o.stateDir} up --detach\`, or pass --up`);
  }
  return state;
}

/** `chatlab down` for a stack this bench started; a stack it found running is left alone. */
export function stopStartedStack(): void {
  if (startedIn === undefined) return;
  progress('stopping the stack it started (chatlab down)');
  chatlab(startedIn, ['down']);
  startedIn = undefined;
}

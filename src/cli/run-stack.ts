import fs from 'node:fs';
import { ChatlabError, ErrorCodes, errorMessage } from '../core/index.js';
import { parseInfraChoice, providerFactory } from '../infra/index.js';
import { collectStatus, startStack, unhealthyParts, type RunningStack } from '../stack/index.js';
import { hint, type GlobalOptions } from './context.js';
import { err, makeChalk } from './output.js';

/**
 * Before a run on a stack that is already up: every part must be healthy, or the run would
 * measure a broken stack and could pass on nothing. Throws CHATLAB_E_CONFIG (exit 2).
 */
export async function assertHealthy(stateDir: string, globals: GlobalOptions): Promise<void> {
  const status = await collectStatus(stateDir);
  if (!status) return;
  const down = unhealthyParts(status);
  if (down.length > 0) {
    throw new ChatlabError(ErrorCodes.CONFIG, `the stack is not healthy (down: ${down.join(', ')}): refusing to run on it`, {
      details: `see \`${hint(globals, 'status')}\`; restart it with \`${hint(globals, 'down')}\` then \`${hint(globals, 'up --detach')}\``,
    });
  }
}

/** A stack for runs that found none running (started here, stopped when they end). */
export async function startRunStack(stateDir: string, infra: string, gateways: number, signal?: AbortSignal): Promise<RunningStack> {
  const c = makeChalk(process.stderr);
  err(c.dim(`no stack running: starting one for this run (--infra ${infra})`));
  return startStack({
    stateDir,
    infra: parseInfraChoice(infra),
    factory: providerFactory(),
    detached: false,
    services: { gateways },
    signal,
    onProgress: (e) => {
      if (e.phase === 'ready' || e.phase === 'failed') err(c.dim(`  ${e.component} ${e.phase}${e.detail ? ` ${e.detail}` : ''}`));
    },
  });
}

/** Stops a run's own stack and removes its folder (run-stacks/<pid>/), whatever happened. */
export async function stopRunStack(stack: RunningStack): Promise<void> {
  err(makeChalk(process.stderr).dim('stopping the stack this run started'));
  await stack.stop().catch((e: unknown) => err(errorMessage(e)));
  fs.rmSync(stack.state.stateDir, { recursive: true, force: true });
}

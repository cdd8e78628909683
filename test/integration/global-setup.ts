import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { parseInfraChoice, providerFactory } from '../../src/infra/index.js';
import { startStack, type RunningStack } from '../../src/stack/index.js';

/**
 * One real stack (Redis, Kafka, Cassandra and the services) for the whole integration run,
 * started by the project's own code exactly as `chatlab up` does. Tests isolate themselves by
 * key prefix, topic and keyspace. CHATLAB_TEST_INFRA picks the provider (default auto).
 */
let stack: RunningStack | undefined;
let stateDir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chatlab-it-'));
  const t0 = Date.now();
  stack = await startStack({
    stateDir,
    infra: parseInfraChoice(process.env['CHATLAB_TEST_INFRA'] ?? 'auto'),
    factory: providerFactory(),
    detached: false,
    services: { gateways: 2 },
    onProgress: (e) => {
      if (e.phase === 'ready' || e.phase === 'failed') process.stderr.write(`[it-stack] ${e.component} ${e.phase}${e.detail ? `: ${e.detail}` : ''}\n`);
    },
  });
  process.stderr.write(`[it-stack] ${stack.state.provider} stack up in ${((Date.now() - t0) / 1000).toFixed(1)}s (state ${stateDir})\n`);
  project.provide('endpoints', stack.infra.endpoints);
  project.provide('stateDir', stateDir);
  project.provide('secret', stack.state.secret);
  project.provide('services', stack.state.services);
}

export async function teardown(): Promise<void> {
  const t0 = Date.now();
  await stack?.stop();
  process.stderr.write(`[it-stack] stopped in ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);
  if (process.env["CHATLAB_DEBUG_HANDLES"]) process.stderr.write(`[it-stack] handles: ${process.getActiveResourcesInfo().join(",")}\n`);
  if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    endpoints: import('../../src/infra/index.js').InfraEndpoints;
    stateDir: string;
    secret: string;
    services: import('../../src/stack/index.js').ServiceRecord[];
  }
}

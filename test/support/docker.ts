import { execFileSync } from 'node:child_process';
import { containerRuntimeAnswers } from '../../src/infra/index.js';

/**
 * For the tests that start containers: whether they run here, and what the runtime holds. They
 * run when a runtime answers, and must run (failing otherwise) when CHATLAB_TEST_CONTAINERS=1,
 * as .ci/run sets once it has started dockerd and built the local images.
 */
export async function containersTestsRun(): Promise<boolean> {
  const reason = await containerRuntimeAnswers(5000);
  if (reason && process.env['CHATLAB_TEST_CONTAINERS'] === '1') throw new Error(`CHATLAB_TEST_CONTAINERS=1 but ${reason}`);
  if (reason) process.stderr.write(`[containers tests] skipped: ${reason}\n`);
  return reason === null;
}

export function docker(args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

const lines = (s: string) => s.split('\n').filter(Boolean).sort();

/** Containers (running or not) with a label, and every volume and network: what `down` must leave as it found. */
export function dockerObjects(label: string): { containers: string[]; volumes: string[]; networks: string[] } {
  return {
    containers: lines(docker(['ps', '-aq', '--filter', `label=${label}`])),
    volumes: lines(docker(['volume', 'ls', '-q'])),
    networks: lines(docker(['network', 'ls', '-q'])),
  };
}

/** `docker compose` (the plugin) when it answers, else Debian's `docker-compose`. */
export function composeCommand(): string[] {
  try {
    docker(['compose', 'version']);
    return ['docker', 'compose'];
  } catch {
    return ['docker-compose'];
  }
}

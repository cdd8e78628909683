/** The plain `ws` server (bench/fanout-ws-server.ts) the fan-out numbers are compared with. */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Group } from './steps.js';
import { sleep } from './timing.js';

const benchDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

let server: ChildProcess | undefined;

export async function startBaseline(groups: Group[]): Promise<{ url: string; pid: number }> {
  const child = fork(path.join(benchDir, 'fanout-ws-server.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  server = child;
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`baseline server exited (${code})`)));
    child.send({ groups });
  });
  return { url: `ws://127.0.0.1:${port}/v1/ws`, pid: child.pid! };
}

export async function stopBaseline(): Promise<void> {
  const child = server;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(3000)]);
  server = undefined;
}

/** For an interrupted bench: no waiting. */
export function killBaseline(): void {
  server?.kill('SIGTERM');
}

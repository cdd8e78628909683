/**
 * The baselines the fan-out numbers are compared with, each a set of forked server processes
 * that report their port over IPC: plain `ws` in one process (bench/fanout-ws-server.ts) and
 * Socket.IO + @socket.io/redis-adapter in two (bench/fanout-socketio-server.ts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Group } from './steps.js';
import { sleep } from './timing.js';

const benchDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

export type BaselineKind = 'ws' | 'socketio';

export interface BaselineServers {
  kind: BaselineKind;
  urls: string[];
  pids: number[];
}

const running = new Set<ChildProcess>();

function startOne(script: string, init: object): Promise<{ port: number; pid: number }> {
  const child = fork(path.join(benchDir, script), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return new Promise((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve({ port: m.port, pid: child.pid! }));
    child.once('exit', (code) => reject(new Error(`${script} exited (${code})`)));
    child.send(init);
  });
}

/** ws: one process, sockets at /v1/ws?user=…; socketio: `processes` of them on one Redis, engine.io at /socket.io/. */
export async function startBaseline(kind: BaselineKind, groups: Group[], o: { redisUrl?: string; processes?: number } = {}): Promise<BaselineServers> {
  if (kind === 'ws') {
    const s = await startOne('fanout-ws-server.js', { groups });
    return { kind, urls: [`ws://127.0.0.1:${s.port}/v1/ws`], pids: [s.pid] };
  }
  if (!o.redisUrl) throw new Error('the Socket.IO baseline needs the stack’s Redis');
  const key = `fo-sio-${Date.now().toString(36)}`;
  const started = await Promise.all(
    Array.from({ length: o.processes ?? 2 }, (_, index) => startOne('fanout-socketio-server.js', { groups, redisUrl: o.redisUrl, key, index })),
  );
  return { kind, urls: started.map((s) => `ws://127.0.0.1:${s.port}/socket.io/?EIO=4&transport=websocket`), pids: started.map((s) => s.pid) };
}

export async function stopBaseline(): Promise<void> {
  await Promise.all(
    [...running].map(async (child) => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(3000)]);
    }),
  );
  running.clear();
}

/** For an interrupted bench: no waiting. */
export function killBaseline(): void {
  for (const child of running) child.kill('SIGTERM');
}

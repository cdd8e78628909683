/** The forked load processes (bench/fanout-load.ts), driven over IPC with request/reply. */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadCommand } from '../fanout-load.js';
import { epochMs, sleep } from './timing.js';

const benchDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export class LoadProc {
  readonly child: ChildProcess;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();

  constructor() {
    this.child = fork(path.join(benchDir, 'fanout-load.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    this.child.on('message', (m: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(m.error));
    });
    this.child.on('exit', (code) => {
      for (const p of this.pending.values()) p.reject(new Error(`load process exited (${code})`));
      this.pending.clear();
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  call<T>(cmd: DistributiveOmit<LoadCommand, 'id'>): Promise<T> {
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ ...cmd, id });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    await this.call({ cmd: 'close' }).catch(() => {});
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.disconnect();
    await Promise.race([exited, sleep(3000)]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

/** Every load process still running, so an interrupted bench can stop them. */
const children = new Set<LoadProc>();

export async function spawnLoad(n: number, secret: string | undefined): Promise<LoadProc[]> {
  const procs = Array.from({ length: n }, () => new LoadProc());
  for (const p of procs) children.add(p);
  await Promise.all(procs.map((p) => p.call({ cmd: 'init', epochMs, secret })));
  return procs;
}

export async function stopLoad(procs: LoadProc[]): Promise<void> {
  await Promise.all(procs.map((p) => p.stop()));
  for (const p of procs) children.delete(p);
}

export async function stopAllLoad(): Promise<void> {
  await Promise.all([...children].map((c) => c.stop().catch(() => {})));
}

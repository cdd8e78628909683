import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { OwnedProcess } from './types.js';

export interface SpawnSpec {
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Variables set on top of `env` (or ours), recorded so a restart sets them again. */
  extraEnv?: Record<string, string>;
  logFile: string;
  /** Must appear in the command line (used to recognise our process later, see OwnedProcess). */
  marker: string;
  /** See OwnedProcess.stopGraceMs. */
  stopGraceMs?: number;
}

/** Every process this chatlab invocation spawned and has not yet seen exit. */
const live = new Map<number, OwnedProcess>();

/**
 * Kills every process we spawned, synchronously: for signal handlers and `exit`, where no
 * promise will be awaited. Each child leads its own process group, so the group goes too.
 */
export function killAllSpawnedSync(): void {
  for (const pid of live.keys()) signalGroup(pid, 'SIGKILL');
  live.clear();
}

export function spawnedCount(): number {
  return live.size;
}

export interface RunningProcess extends OwnedProcess {
  /** null while running; the exit code or signal once it has exited. */
  exited(): string | null;
  waitExit(): Promise<void>;
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts a process in its own process group (detached) with stdout/stderr in a log file, so it
 * can outlive us with `up --detach` and so one kill of the group takes its children too.
 */
export function spawnOwned(spec: SpawnSpec): RunningProcess {
  const out = fs.openSync(spec.logFile, 'a');
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: spec.extraEnv ? { ...(spec.env ?? process.env), ...spec.extraEnv } : (spec.env ?? process.env),
    detached: true,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  let exitState: string | null = null;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitState = signal ? `killed by ${signal}` : `exited with code ${code}`;
      if (child.pid) live.delete(child.pid);
      resolve();
    });
    child.once('error', (err) => {
      exitState = `failed to start: ${err.message}`;
      resolve();
    });
  });
  child.unref();
  const pid = child.pid ?? -1;
  const owned: OwnedProcess = {
    name: spec.name,
    pid,
    marker: spec.marker,
    logFile: spec.logFile,
    ...(spec.stopGraceMs === undefined ? {} : { stopGraceMs: spec.stopGraceMs }),
    spawn: { command: spec.command, args: spec.args, cwd: spec.cwd, logFile: spec.logFile, ...(spec.extraEnv ? { env: spec.extraEnv } : {}) },
  };
  if (pid > 0) live.set(pid, owned);
  return {
    ...owned,
    exited: () => exitState,
    waitExit: () => exitPromise,
    async stop(graceMs = spec.stopGraceMs ?? 10_000) {
      if (exitState !== null || pid <= 0) return;
      signalGroup(pid, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        exitPromise.then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs))),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        signalGroup(pid, 'SIGKILL');
        await exitPromise;
      }
    },
  };
}

/** Signals a process's whole group (our children lead their own), or the process alone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** True when pid runs and its command line contains marker (guards against pid reuse). */
export function isOwnedAlive(proc: Pick<OwnedProcess, 'pid' | 'marker'>): boolean {
  try {
    const cmdline = fs.readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8');
    return cmdline.includes(proc.marker);
  } catch {
    return false;
  }
}

/** Stops a process started by another chatlab invocation: TERM, wait, then KILL. */
export async function stopOwned(proc: Pick<OwnedProcess, 'pid' | 'marker'>, graceMs = 10_000): Promise<void> {
  if (!isOwnedAlive(proc)) return;
  signalGroup(proc.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isOwnedAlive(proc)) return;
    await sleep(100);
  }
  signalGroup(proc.pid, 'SIGKILL');
  for (let i = 0; i < 50 && isOwnedAlive(proc); i++) await sleep(100);
}

/** The last lines of a log file, for error messages. */
export function tailFile(file: string | undefined, lines = 25): string {
  if (!file) return '';
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

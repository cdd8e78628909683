import fs from 'node:fs';
import { Redis } from 'ioredis';
import { readOpenFilesLimit, readRssBytes } from '../../src/core/index.js';
import { readState } from '../../src/stack/index.js';

/** What a router process holds: resident memory, open files, memory mappings (each capped by the OS). */
export interface ProcessCost {
  rssBytes: number | null;
  openFiles: number | null;
  openFilesLimit: number | null;
  mappings: number | null;
  /** Redis only: used_memory (its own accounting, without allocator slack). */
  usedMemory?: number;
}

function count(file: string, lines: boolean): number | null {
  try {
    return lines ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length : fs.readdirSync(file).length;
  } catch {
    return null;
  }
}

/** The infra process by name (`kafka`, `redis`) of the stack's native provider; null with containers. */
export function infraPid(stateDir: string, name: string): number | null {
  return readState(stateDir)?.processes.find((p) => p.name === name)?.pid ?? null;
}

export async function processCost(pid: number | null, redisUrl?: string): Promise<ProcessCost> {
  const cost: ProcessCost = {
    rssBytes: pid === null ? null : readRssBytes(pid),
    openFiles: pid === null ? null : count(`/proc/${pid}/fd`, false),
    openFilesLimit: pid === null ? null : readOpenFilesLimit(pid),
    mappings: pid === null ? null : count(`/proc/${pid}/maps`, true),
  };
  if (redisUrl) {
    const r = new Redis(redisUrl);
    try {
      cost.usedMemory = Number(/used_memory:(\d+)/.exec(await r.info('memory'))?.[1] ?? 0);
    } finally {
      r.disconnect();
    }
  }
  return cost;
}

/** The kernel's cap on a process's memory mappings (Kafka maps two index files per partition). */
export function maxMapCount(): number | null {
  try {
    return Number(fs.readFileSync('/proc/sys/vm/max_map_count', 'utf8').trim());
  } catch {
    return null;
  }
}

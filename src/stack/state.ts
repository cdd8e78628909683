import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ChatlabError, ErrorCodes } from '../core/index.js';

export const serviceKinds = ['gateway', 'presence', 'persist-worker', 'receipts-worker', 'indexer'] as const;
export type ServiceKind = (typeof serviceKinds)[number];

const ownedProcess = z.object({
  name: z.string(),
  pid: z.number().int(),
  marker: z.string(),
  logFile: z.string().optional(),
  stopGraceMs: z.number().int().positive().optional(),
  spawn: z.object({ command: z.string(), args: z.array(z.string()), cwd: z.string().optional(), logFile: z.string(), env: z.record(z.string(), z.string()).optional() }).optional(),
});

const clusterNode = z.object({ id: z.string(), address: z.string(), port: z.number().int(), brokerId: z.number().int().optional(), jmxPort: z.number().int().optional() });

export const stackStateSchema = z.object({
  version: z.literal(1),
  phase: z.enum(['starting', 'running']),
  stateDir: z.string(),
  provider: z.enum(['native', 'containers', 'external']).optional(),
  cliPid: z.number().int(),
  detached: z.boolean(),
  startedAt: z.string(),
  secret: z.string(),
  endpoints: z
    .object({
      redis: z.object({ url: z.string() }),
      kafka: z.object({ brokers: z.array(z.string()) }),
      cassandra: z.object({ contactPoints: z.array(z.string()), localDataCenter: z.string() }),
      // absent in a state file written before the search engine existed: shown unhealthy, not refused
      search: z.object({ url: z.string() }).default({ url: '' }),
    })
    .optional(),
  keyspace: z.string().optional(),
  // absent in a state file written before topologies existed: one node each
  topology: z.enum(['single', 'cluster']).default('single'),
  nodes: z.object({ cassandra: z.array(clusterNode), kafka: z.array(clusterNode) }).optional(),
  nodesBound: z.boolean().optional(),
  versions: z.record(z.string(), z.string()).default({}),
  processes: z.array(ownedProcess).default([]),
  containerIds: z.array(z.string()).default([]),
  services: z.array(ownedProcess.extend({ kind: z.enum(serviceKinds), url: z.string() })).default([]),
});

export type StackState = z.infer<typeof stackStateSchema>;
export type ServiceRecord = StackState['services'][number];

export function stateFile(stateDir: string): string {
  return path.join(stateDir, 'stack.json');
}

export function readState(stateDir: string): StackState | null {
  let raw: string;
  try {
    raw = fs.readFileSync(stateFile(stateDir), 'utf8');
  } catch {
    return null;
  }
  const parsed = stackStateSchema.safeParse(JSON.parse(raw));
  if (!parsed.success) {
    throw new ChatlabError(ErrorCodes.CONFIG, `the state file ${stateFile(stateDir)} is not one chatlab wrote; remove it if no stack runs`);
  }
  return parsed.data;
}

/** Written atomically (tmp + rename) so a concurrent reader never sees half a file. */
export function writeState(state: StackState): void {
  fs.mkdirSync(state.stateDir, { recursive: true });
  const tmp = `${stateFile(state.stateDir)}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, stateFile(state.stateDir));
}

/** Creates the state file only if none exists: two `up`s racing cannot both win. */
export function claimState(state: StackState): boolean {
  fs.mkdirSync(state.stateDir, { recursive: true });
  try {
    fs.writeFileSync(stateFile(state.stateDir), `${JSON.stringify(state, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

export function removeState(stateDir: string): void {
  fs.rmSync(stateFile(stateDir), { force: true });
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readState, type StackState } from '../stack/index.js';
import { unfitReason } from './plan.js';
import { SUITES } from './suite.js';

const made: string[] = [];
afterAll(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A state dir holding a running stack's state file (no process behind it: only what the plan reads). */
function stackIn(topology: 'single' | 'cluster'): string {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chatlab-plan-'));
  made.push(stateDir);
  const spawn = { command: 'java', args: [], logFile: path.join(stateDir, 'x.log') };
  const names = topology === 'cluster' ? ['cassandra-1', 'cassandra-2', 'cassandra-3', 'kafka-1', 'kafka-2', 'kafka-3'] : ['cassandra', 'kafka'];
  const state: StackState = {
    version: 1, phase: 'running', stateDir, provider: 'native', cliPid: 1, detached: true, startedAt: new Date(0).toISOString(), secret: 's',
    topology, versions: {}, containerIds: [], services: [],
    processes: names.map((name) => ({ name, pid: 1, marker: name, spawn })),
  };
  fs.writeFileSync(path.join(stateDir, 'stack.json'), JSON.stringify(state));
  expect(readState(stateDir)?.topology).toBe(topology);
  return stateDir;
}

describe.each(['broker-loss', 'storage-consistency'])('suite ci\'s %s (needs the cluster topology)', (scenario) => {
  const entry = SUITES['ci']!.find((r) => r.scenario === scenario)!;

  it('is an optional entry', () => {
    expect(entry.optional).toBe(true);
  });

  it('is skipped on a single-node stack, saying it needs the cluster topology', async () => {
    expect(await unfitReason(entry, { stateDir: stackIn('single') })).toMatch(/cluster topology \(chatlab up --topology cluster\)/);
  });

  it('runs on a cluster chatlab runs itself', async () => {
    expect(await unfitReason(entry, { stateDir: stackIn('cluster') })).toBeUndefined();
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ChatlabError } from '../src/core/index.js';
import { describeScenario, runScenario, type ScenarioContext, type ScenarioDefinition } from '../src/scenario/index.js';
import type { StackState } from '../src/stack/index.js';
import { faultRegistry, faults, type FaultKind } from './faults.js';
import { scenarios } from './index.js';

/** A fault a future change might add: one entry, its injection code, nothing else. */
const pauseRedis: FaultKind = {
  name: 'pause-redis',
  description: 'pause Redis (SIGSTOP), resume it (SIGCONT) at the repair',
  scope: 'chat',
  needs: { processes: ['redis'] },
  async inject(ctx) {
    ctx.fault('pause Redis (SIGSTOP)');
    ctx.control.pauseInfra('redis');
    return async () => {
      ctx.fault('resume Redis (SIGCONT)');
      ctx.control.resumeInfra('redis');
    };
  },
};

function stack(o: { provider: 'native' | 'containers'; gateways: number; processes?: string[]; services?: string[] }): StackState {
  const proc = (name: string) => ({ name, pid: 1, marker: name, spawn: { command: name, args: [], logFile: `/tmp/${name}.log` } });
  const svc = (kind: string, i: number) => ({ name: `${kind}-${i + 1}`, pid: 1, marker: kind, kind, url: `http://127.0.0.1:${4000 + i}` });
  return {
    version: 1, phase: 'running', stateDir: '/tmp/none', provider: o.provider, topology: 'single', cliPid: 1, detached: true, startedAt: '', secret: 's', versions: {}, containerIds: [],
    processes: (o.processes ?? []).map(proc),
    services: [...Array.from({ length: o.gateways }, (_, i) => svc('gateway', i)), ...(o.services ?? []).map(svc)],
  } as StackState;
}
const native = stack({ provider: 'native', gateways: 2, processes: ['redis', 'kafka', 'cassandra', 'search'], services: ['persist-worker', 'indexer'] });
const containers = stack({ provider: 'containers', gateways: 2, services: ['persist-worker', 'indexer'] });

describe('the fault registry', () => {
  it('keeps every fault each scenario offered, by name', () => {
    const nodeFaults = ['kill-cassandra-node', 'pause-cassandra-node', 'isolate-cassandra-node', 'kill-kafka-leader', 'pause-kafka-leader', 'isolate-kafka-leader'];
    expect(faults.names('chat')).toEqual(['none', 'kill-gateway', 'term-gateway', 'drop-connections', 'restart-redis', 'pause-kafka', 'restart-cassandra', 'stop-persist', 'clock-skew', ...nodeFaults]);
    expect(faults.names('search')).toEqual(['none', 'stop-engine', 'stop-indexer', ...nodeFaults]);
  });

  it('accepts a registered entry in the params schema, and lists it in `chatlab scenarios` and the README table', () => {
    const registry = faultRegistry([...faults.kinds, pauseRedis]);
    const params = z.object({ fault: registry.param('chat', 'kill-gateway') });
    expect(params.parse({ fault: 'pause-redis' })).toEqual({ fault: 'pause-redis' });
    expect(params.parse({})).toEqual({ fault: 'kill-gateway' });
    expect(params.safeParse({ fault: 'meteor' }).success).toBe(false);
    // the built-in registry does not know it
    expect(z.object({ fault: faults.param('chat', 'none') }).safeParse({ fault: 'pause-redis' }).success).toBe(false);
    // nor does the search scenario's scope
    expect(registry.names('search')).not.toContain('pause-redis');

    const def: ScenarioDefinition<z.infer<typeof params>> = { name: 'x', description: 'x', params, thresholds: [], choiceDocs: { fault: registry.docs('chat') }, run: async () => ({ measures: {} }) };
    const fault = describeScenario(def as unknown as ScenarioDefinition).params.find((p) => p.name === 'fault')!;
    expect(fault.type.split('|')).toContain('pause-redis');
    expect(fault.choices?.['pause-redis']).toBe(pauseRedis.description);
    expect(registry.markdown()).toContain(`| \`pause-redis\` | ${pauseRedis.description} | redis (native) | \`reconnect-race\`, \`membership-churn\` |`);
  });

  it('strikes through the entry and repairs with what it returned', async () => {
    const seen: string[] = [];
    const ctx = {
      gateways: [{ name: 'gateway-1', url: '' }, { name: 'gateway-2', url: '' }],
      fault: (label: string) => seen.push(label),
      control: { pauseInfra: (c: string) => seen.push(`SIGSTOP ${c}`), resumeInfra: (c: string) => seen.push(`SIGCONT ${c}`), killGateway: async (g: string) => void seen.push(`kill ${g}`), startGateway: async (g: string) => void seen.push(`start ${g}`) },
    } as unknown as ScenarioContext;
    const registry = faultRegistry([...faults.kinds, pauseRedis]);
    const repair = await registry.inject(ctx, 'pause-redis');
    expect(seen).toEqual(['pause Redis (SIGSTOP)', 'SIGSTOP redis']);
    await repair();
    expect(seen.slice(2)).toEqual(['resume Redis (SIGCONT)', 'SIGCONT redis']);
    seen.length = 0;
    await (await registry.inject(ctx, 'kill-gateway'))();
    expect(seen).toEqual(['kill -9 gateway-2', 'kill gateway-2', 'restart gateway-2', 'start gateway-2']);
  });

  it('says why a stack cannot serve a fault, and nothing when it can', () => {
    const registry = faultRegistry([...faults.kinds, pauseRedis]);
    expect(registry.unmet('pause-redis', native)).toBeUndefined();
    expect(registry.unmet('pause-redis', containers)).toMatch(/^fault pause-redis stops, pauses or restarts redis, which only a stack chatlab runs itself can do \(chatlab up --infra native; this stack: containers\)$/);
    expect(faults.unmet('kill-gateway', stack({ provider: 'native', gateways: 0 }))).toBe('fault kill-gateway needs 1 gateway(s); this stack runs 0');
    expect(faults.unmet('stop-indexer', stack({ provider: 'native', gateways: 1 }))).toBe('fault stop-indexer needs a running indexer; this stack has none');
    for (const name of faults.names('chat').filter((n) => !faults.kinds.find((k) => k.name === n)?.needs.topology)) expect(faults.unmet(name, native)).toBeUndefined();
    expect(faults.unmet('drop-connections', containers)).toBeUndefined();
  });

  it('serves node faults only on a cluster chatlab runs itself, and the single-node faults there too (on the first node)', () => {
    const cluster = { ...stack({ provider: 'native', gateways: 2, processes: ['redis', 'search', 'kafka-1', 'kafka-2', 'kafka-3', 'cassandra-1', 'cassandra-2', 'cassandra-3'], services: ['persist-worker', 'indexer'] }), topology: 'cluster' as const };
    expect(faults.unmet('isolate-cassandra-node', native)).toBe('fault isolate-cassandra-node strikes one node of three: it needs the cluster topology (chatlab up --topology cluster)');
    expect(faults.unmet('kill-kafka-leader', { ...containers, topology: 'cluster' })).toMatch(/^fault kill-kafka-leader needs nodes chatlab runs itself/);
    for (const name of faults.names('chat')) expect(faults.unmet(name, cluster)).toBeUndefined();
    expect(faults.markdown()).toContain('| `isolate-cassandra-node` | cut a Cassandra node off from its peers and clients (nftables on its loopback address), heal at the repair | cluster topology (native) |');
  });

  it('strikes the node that leads chat.messages when the fault strikes, and repairs that one', async () => {
    const seen: string[] = [];
    const ctx = {
      gateways: [],
      fault: (label: string) => seen.push(label),
      nodes: { kafkaLeader: async () => 'kafka-2', isolate: async (id: string) => void seen.push(`cut ${id}`), heal: async (id: string) => void seen.push(`heal ${id}`) },
    } as unknown as ScenarioContext;
    const repair = await faults.inject(ctx, 'isolate-kafka-leader');
    await repair();
    expect(seen).toEqual(['isolate kafka-2 (nftables: no packet from or to its address)', 'cut kafka-2', "heal kafka-2's partition", 'heal kafka-2']);
  });

  it('refuses a run whose fault the stack cannot serve before any variant starts (CHATLAB_E_CONFIG)', async () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chatlab-faults-'));
    try {
      // the state file `chatlab up` writes (stack.json), for a stack of containers
      fs.writeFileSync(path.join(stateDir, 'stack.json'), JSON.stringify({ ...containers, stateDir }));
      const run = runScenario(scenarios['reconnect-race']!, { stateDir, sets: { fault: ['none', 'pause-kafka'] }, seed: 1, config: {} });
      const err = await run.then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(ChatlabError);
      expect((err as ChatlabError).code).toBe('CHATLAB_E_CONFIG');
      expect((err as ChatlabError).message).toMatch(/^reconnect-race \(variant fault=pause-kafka\): fault pause-kafka stops, pauses or restarts kafka/);
    } finally {
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });
});

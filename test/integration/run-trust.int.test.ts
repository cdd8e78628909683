import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort, signalGroup } from '../../src/infra/index.js';
import { launchService, readState, type ServiceRecord } from '../../src/stack/index.js';
import { processesUnder, runCli, startCli, waitFor } from '../support/cli.js';

/**
 * A verdict you can trust. These run the built CLI as a user would, against the
 * shared stack (never `down` on it) or against stacks they make for themselves.
 */
const dirs: string[] = [];
const tmp = (label: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `chatlab-trust-${label}-`));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const gatewayOptions = (stateDir: string) =>
  Object.fromEntries(
    readState(stateDir)!.services.filter((s) => s.kind === 'gateway').map((s) => [s.name, JSON.parse(fs.readFileSync(path.join(stateDir, 'services', `${s.name}.json`), 'utf8')).options]),
  );

// this checkout's load workers only: another checkout's runs on the same machine are not ours to count
const workerEntry = path.resolve(import.meta.dirname, '../../dist/src/scenario/load/worker-main.js');
const loadWorkers = () =>
  fs.readdirSync('/proc').filter((p) => {
    try {
      return /^\d+$/.test(p) && fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(workerEntry);
    } catch {
      return false;
    }
  });

describe('no false PASS', () => {
  it('a stack whose gateways were killed: status exits 1 naming them, run exits 2 before it starts', async () => {
    // a stack of its own: the shared infra, the shared workers, and two gateways of its own, then killed -9
    const shared = inject('stateDir');
    const dir = tmp('killed');
    const state = readState(shared)!;
    fs.mkdirSync(path.join(dir, 'services'), { recursive: true });
    const gateways: ServiceRecord[] = [];
    for (const svc of state.services) {
      const config = JSON.parse(fs.readFileSync(path.join(shared, 'services', `${svc.name}.json`), 'utf8'));
      if (svc.kind === 'gateway') config.port = await freePort();
      fs.writeFileSync(path.join(dir, 'services', `${svc.name}.json`), JSON.stringify(config));
    }
    for (const svc of state.services.filter((s) => s.kind === 'gateway')) gateways.push((await launchService(dir, svc.name, 'gateway')).record);
    fs.writeFileSync(path.join(dir, 'stack.json'), JSON.stringify({ ...state, stateDir: dir, services: state.services.map((s) => gateways.find((g) => g.name === s.name) ?? s) }));
    expect((await runCli(['--state-dir', dir, 'status'])).code).toBe(0);
    for (const g of gateways) signalGroup(g.pid, 'SIGKILL');
    await waitFor(() => processesUnder(path.join(dir, 'services')).length === 0, 10_000, 'the gateways to die');

    const status = await runCli(['--state-dir', dir, 'status']);
    expect(status.code).toBe(1);
    // both killed gateways are named (a shared part slowed by a loaded machine may be named beside them)
    expect(status.stderr).toMatch(/unhealthy: (?:[\w-]+, )*gateway-1, gateway-2\b/);

    const t0 = Date.now();
    const out = path.join(dir, 'reports');
    const run = await runCli(['--state-dir', dir, 'run', 'reconnect-race', '--set', 'clients=8', '--set', 'durationSec=4', '--set', 'fault=none', '--out', out]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('the stack is not healthy (down: gateway-1, gateway-2): refusing to run on it');
    expect(run.stderr).toContain(`chatlab --state-dir ${dir} down`);
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('--baseline regression gate', () => {
  it('passes an equal run and fails one made slower on purpose (the same traffic through Kafka)', async () => {
    const shared = inject('stateDir');
    const out = tmp('gate');
    const args = ['--state-dir', shared, 'run', 'hot-path', '--set', 'messages=300', '--set', 'channels=20', '--out', out];
    // three runs each side: a moment of load on a shared machine lands in one run, and the
    // gate then asks whether the ranges are apart (the spread rule)
    const base = await runCli([...args, '--set', 'router=pubsub', '--repeat', '3']);
    expect(base.code, base.stderr).toBe(0);
    const baseDir = path.join(out, fs.readdirSync(out)[0]!);
    // equal: the same runs again, within a tolerance wide enough for a shared 2-core machine;
    // their sub-millisecond tails move by a few ms between identical runs, below the noise floor
    const equal = await runCli([...args, '--set', 'router=pubsub', '--repeat', '3', '--baseline', baseDir, '--max-regress', '400%', '--json']);
    expect(equal.code, equal.stderr).toBe(0);
    expect(JSON.parse(equal.stdout).baseline).toMatchObject({ ok: true, maxRegressPct: 400 });
    // slower by hundreds of ms, far above any floor: the broker holds every fetch its full second
    // waiting for 10 MB that never come, so messages arrive in batches about a second apart
    const slow = await runCli([...args, '--set', 'router=kafka', '--set', 'kafkaMinBytes=10000000', '--set', 'kafkaFetchWaitMs=1000', '--baseline', baseDir, '--max-regress', '400%', '--json']);
    expect(slow.code, slow.stderr).toBe(1);
    const gate = JSON.parse(slow.stdout).baseline;
    expect(gate.ok).toBe(false);
    const p50 = gate.rows.find((r: { measure: string }) => r.measure === 'latency p50 (ms)');
    expect(p50).toMatchObject({ ok: false, rule: 'regressed' });
    expect(p50.worse).toBeGreaterThan(100);
    expect(slow.stderr).toMatch(/✖ default: latency p50 \(ms\) .* worse.*regressed: beyond the 400% tolerance and the 2 ms noise floor/);
  }, 300_000);
});

describe('Ctrl-C mid-run', () => {
  it('SIGINT in the second variant: partial report with the first, options as they were, no worker left', async () => {
    const shared = inject('stateDir');
    const before = gatewayOptions(shared);
    const out = tmp('sigint');
    const run = startCli(['--state-dir', shared, 'run', 'large-group-fanout', '--set', 'sizes=10', '--set', 'messages=3', '--set', 'routing=group,inbox', '--out', out]);
    await waitFor(() => /variant 2\/2 routing=inbox/.test(run.output()), 300_000, 'the second variant to start').catch((e: Error) => {
      run.child.kill('SIGKILL');
      throw new Error(`${e.message}\n${run.output()}`);
    });
    run.child.kill('SIGINT');
    const code = await run.exited;
    expect(code, run.output()).toBe(2);
    expect(run.output()).toContain('interrupted; partial report with 1 finished variant(s)');
    const [runDir] = fs.readdirSync(out);
    const report = JSON.parse(fs.readFileSync(path.join(out, runDir!, 'report.json'), 'utf8'));
    expect(report).toMatchObject({ interrupted: true, ok: false });
    expect(report.variants.map((v: { name: string }) => v.name)).toEqual(['routing=group']);
    expect(report.variants[0].serviceOptions['gateway-1']).toMatchObject({ routing: 'group' });
    expect(report.environment.serviceOptions['gateway-1']).toEqual(before['gateway-1']);
    expect(gatewayOptions(shared)).toEqual(before);
    expect(loadWorkers()).toEqual([]);
    expect(fs.existsSync(path.join(shared, 'run-stacks'))).toBe(false);
    expect((await runCli(['--state-dir', shared, 'status'])).code).toBe(0);
  }, 420_000);

  it('SIGINT on a run that started its own stack: partial report, no run-stacks/<pid>/, no process left', async () => {
    const dir = tmp('own');
    const out = path.join(dir, 'reports');
    const run = startCli(['--state-dir', dir, 'run', 'reconnect-race', '--infra', 'native', '--set', 'clients=8', '--set', 'durationSec=30', '--set', 'fault=none', '--out', out]);
    await waitFor(() => /flow .* msg\/s/.test(run.output()), 360_000, 'the run to be sending').catch((e: Error) => {
      run.child.kill('SIGINT');
      throw new Error(`${e.message}\n${run.output()}`);
    });
    run.child.kill('SIGINT');
    expect(await run.exited, run.output()).toBe(2);
    const [runDir] = fs.readdirSync(out);
    expect(JSON.parse(fs.readFileSync(path.join(out, runDir!, 'report.json'), 'utf8'))).toMatchObject({ interrupted: true, variants: [] });
    expect(fs.existsSync(path.join(dir, 'run-stacks', String(run.child.pid)))).toBe(false);
    expect(processesUnder(dir)).toEqual([]);
    expect(loadWorkers()).toEqual([]);
  }, 500_000);
});

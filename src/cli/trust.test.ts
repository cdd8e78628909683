import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChatlabError, ErrorCodes, defaultStateDir } from '../core/index.js';
import { prepareRun } from '../scenario/index.js';
import { hint } from './context.js';
import { readmeWithScenarioTable } from './docs.js';
import { diagnose, type Probes } from './doctor.js';
import { configError, exitCodeFor, EXIT_CODES_HELP } from './exit-codes.js';
import { loadPlan } from './plan.js';
import { runOptionsSchema } from './run.js';
import { loadScenario } from './scenario-source.js';
import { suitesHelp } from './suite.js';

const root = path.resolve(import.meta.dirname, '../..');
const made: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'chatlab-trust-'));
  made.push(d);
  return d;
};
afterAll(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('one table of exit codes', () => {
  it('CHATLAB_E_CONFIG is 2 and NOT_RUNNING 3 in every command; the table says so', () => {
    expect(exitCodeFor(new ChatlabError(ErrorCodes.CONFIG, 'x'))).toBe(2);
    expect(exitCodeFor(new ChatlabError(ErrorCodes.NOT_RUNNING, 'x'))).toBe(3);
    expect(exitCodeFor(new Error('boom'))).toBe(1);
    expect(EXIT_CODES_HELP).toMatch(/2 {2}bad input \(CHATLAB_E_CONFIG/);
  });
  it('errors name the flag: "--gateways: expected a number"', () => {
    const raw = { gateways: 'abc' };
    const parsed = runOptionsSchema.safeParse(raw);
    expect(parsed.success).toBe(false);
    expect(configError(parsed.error!.issues, raw).message).toBe('--gateways: expected a number (got "abc")');
    const repeat = runOptionsSchema.safeParse({ repeat: '0' });
    expect(configError(repeat.error!.issues, { repeat: '0' }).message).toBe('--repeat: at least 1 (got "0")');
  });
  it('hints repeat --state-dir when it is not the default', () => {
    expect(hint({}, 'down')).toBe('chatlab down');
    expect(hint({ stateDir: defaultStateDir() }, 'down')).toBe('chatlab down');
    expect(hint({ stateDir: '/tmp/lab' }, 'down')).toBe('chatlab --state-dir /tmp/lab down');
  });
});

describe('chatlab doctor', () => {
  const good: Probes = { node: 'v20.19.0', javaMajor: 17, maven: true, jarsCached: false, redisServer: true, containerRuntime: 'no container runtime answered', freeDiskGiB: 50, openFiles: 1024, external: false };
  it('is ok when one provider can start the stack, and names the fix for each missing thing', () => {
    const d = diagnose(good);
    expect(d.providers).toEqual({ native: true, containers: false, external: false });
    expect(d.ok).toBe(true);
    expect(d.lines.find((l) => l.name === 'container runtime')).toMatchObject({ ok: false, fix: expect.stringContaining('Docker') });
    expect(d.lines.find((l) => l.name.startsWith('open files'))).toMatchObject({ ok: false, level: 'warning', fix: expect.stringContaining('ulimit -n') });
  });
  it('is not ok when no provider can', () => {
    const d = diagnose({ ...good, javaMajor: 11, redisServer: false });
    expect(d.ok).toBe(false);
    expect(d.lines.filter((l) => !l.ok && l.level === 'required').map((l) => l.fix)).toEqual(
      expect.arrayContaining(['apt-get install -y openjdk-17-jre-headless', 'apt-get install -y redis-server']),
    );
    expect(diagnose({ ...good, node: 'v18.20.0' }).ok).toBe(false);
  });
});

describe('scenario files and plans', () => {
  it('runs the docs guide example (.ts) through the same checks as a built-in scenario', async () => {
    const guide = fs.readFileSync(path.join(root, 'docs/scenario-api.md'), 'utf8');
    const code = /```ts\n([\s\S]*?)```/.exec(guide)![1]!;
    const file = path.join(root, 'docs', `.guide-example-${process.pid}.ts`);
    fs.writeFileSync(file, code);
    try {
      const def = await loadScenario(file);
      expect(def.name).toBe('pair-chat');
      expect(prepareRun(def, { ratePerSec: ['50'] })[0]!.params).toEqual({ ratePerSec: 50, durationSec: 5 });
      expect(() => prepareRun(def, { rate: ['50'] })).toThrow(/did you mean "ratePerSec"/);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
  it('refuses a file that is not a scenario, and an unknown name, with exit-2 errors', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'bad.mjs'), 'export default { name: "x" };');
    await expect(loadScenario(path.join(dir, 'bad.mjs'))).rejects.toThrow(/lacks description, params, thresholds, run/);
    await expect(loadScenario('hot-pat')).rejects.toMatchObject({ code: 'CHATLAB_E_CONFIG', message: 'no scenario "hot-pat"; did you mean "hot-path"?' });
  });
  it('reads a plan, and refuses a malformed one naming the field', () => {
    const dir = tmp();
    const good = path.join(dir, 'nightly.json');
    fs.writeFileSync(good, JSON.stringify({ runs: [{ scenario: 'hot-path', set: ['router=pubsub'], threshold: ['p(99)<50ms'] }] }));
    expect(loadPlan(good)).toEqual({ name: 'nightly', runs: [{ scenario: 'hot-path', set: ['router=pubsub'], threshold: ['p(99)<50ms'] }] });
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ runs: [{ scenario: 'hot-path', sets: [] }] }));
    expect(() => loadPlan(bad)).toThrow(/plan .*bad.json: runs.0/);
  });
});

describe('help and README cannot drift from the definitions', () => {
  it("README's scenario table is the one `chatlab scenarios` gives (run `npm run docs:scenarios`)", () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    expect(readme).toBe(readmeWithScenarioTable(readme));
    expect(readme).toContain('`sizes`=10/100/300');
    expect(readme).not.toContain('10/100/1000/5000');
  });
  it('suite --help says what ci and smoke contain', () => {
    expect(suitesHelp()).toMatch(/ci:\n {4}reconnect-race --set clients=20/);
    expect(suitesHelp()).toMatch(/smoke:\n {4}reconnect-race --set clients=8 --set durationSec=4 --set fault=none/);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { fixtureRunResult } from '../../test/fixtures/run-result.js';
import { writeReport } from '../report/index.js';
import { registerReport } from './report.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'chatlab-cli-report-'));
const runA = path.join(tmp, 'run-a');
const runB = path.join(tmp, 'run-b');

beforeAll(async () => {
  await writeReport(fixtureRunResult(), runA);
  const b = fixtureRunResult();
  b.runId = 'run-b';
  b.variants[0]!.latency.p99 = 206;
  await writeReport(b, runB);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

async function run(...args: string[]): Promise<{ stdout: string; stderr: string; code: number | string | undefined }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((stdout += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((stderr += String(s)), true));
  const program = new Command().exitOverride();
  registerReport(program);
  await program.parseAsync(['node', 'chatlab', 'report', 'compare', ...args]);
  const code = process.exitCode;
  vi.restoreAllMocks();
  return { stdout, stderr, code };
}

describe('chatlab report compare', () => {
  it('prints a side-by-side table of two run folders and exits 0', async () => {
    const r = await run(runA, runB);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('A = 2025-01-12T10-41-00-thundering-herd (thundering-herd)\nB = run-b (thundering-herd)\n');
    expect(r.stdout).toContain('verdict: A FAIL (3/6 thresholds hold) · B FAIL (3/6 thresholds hold)');
    expect(r.stdout).toMatch(/no-jitter\s+p99 ms\s+412\s+206\s+-206\s+0\.5×/);
    expect(r.stdout).toMatch(/^equal in both: .*lost 0/m);
  });

  it('takes report.json paths too, and prints Markdown or JSON', async () => {
    const md = await run(path.join(runA, 'report.json'), path.join(runB, 'report.json'), '--markdown');
    expect(md.code).toBe(0);
    // one run each: the difference is shown, no value called better
    expect(md.stdout).toContain('| no-jitter | p99 ms | 412 | 206 | -206 | 0.5× |');
    const json = await run(runA, runB, '--json');
    const parsed = JSON.parse(json.stdout) as { rows: Array<{ variant: string; measure: string; ratio: number; winner: string | null }>; overall: { a: string }; paramDiffs: string[] };
    expect(parsed.rows.find((x) => x.variant === 'no-jitter' && x.measure === 'latency p99 (ms)')).toMatchObject({ ratio: 0.5, winner: null });
    expect(parsed.overall.a).toBe('FAIL (3/6 thresholds hold)');
    expect(parsed.paramDiffs).toEqual([]);
  });

  it('exits 2 (CHATLAB_E_CONFIG, as in every command) on a missing or invalid run', async () => {
    const missing = await run(runA, path.join(tmp, 'missing'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no run folder or report.json at .*missing.*\[CHATLAB_E_CONFIG\]/);
    const junk = path.join(tmp, 'junk.json');
    fs.writeFileSync(junk, JSON.stringify({ hello: 'world' }));
    const invalid = await run(junk, runB, '--json');
    expect(invalid.code).toBe(2);
    expect(JSON.parse(invalid.stdout)).toMatchObject({ error: { code: 'CHATLAB_E_CONFIG' } });
    expect(invalid.stderr).toContain('junk.json is not a chatlab report.json');
  });
});

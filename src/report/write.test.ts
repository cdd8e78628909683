import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureRunResult } from '../../test/fixtures/run-result.js';
import { isChatlabError } from '../core/index.js';
import { loadRunResult, parseRunResult } from './load.js';
import { writeReport } from './write.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'chatlab-report-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('writeReport', () => {
  it('writes the four files of a run folder, and report.json reads back as the same run', async () => {
    const dir = path.join(tmp, 'run-1');
    const files = await writeReport(fixtureRunResult(), dir);
    expect(fs.readdirSync(dir).sort()).toEqual(['junit.xml', 'report.html', 'report.json', 'report.md']);
    const json = fs.readFileSync(files.json, 'utf8');
    expect(json).toMatch(/^\{\n {2}"schemaVersion": 1,/); // pretty, versioned
    expect(loadRunResult(dir)).toEqual(fixtureRunResult());
    expect(loadRunResult(files.json).runId).toBe('2025-01-12T10-41-00-thundering-herd');
  });
});

describe('loadRunResult', () => {
  const expectConfigError = (fn: () => unknown, message: RegExp) => {
    try {
      fn();
    } catch (e) {
      expect(isChatlabError(e, 'CHATLAB_E_CONFIG')).toBe(true);
      expect((e as Error).message).toMatch(message);
      return;
    }
    throw new Error('expected a CHATLAB_E_CONFIG error');
  };

  it('rejects a missing path, bad JSON and a file that is not a report, with CHATLAB_E_CONFIG', () => {
    expectConfigError(() => loadRunResult(path.join(tmp, 'nope')), /no run folder or report.json at .*nope/);
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty);
    expectConfigError(() => loadRunResult(empty), /cannot read .*empty\/report.json/);
    const bad = path.join(tmp, 'bad.json');
    fs.writeFileSync(bad, '{"schemaVersion": 1,');
    expectConfigError(() => loadRunResult(bad), /bad.json is not valid JSON/);
    const wrong = path.join(tmp, 'wrong.json');
    fs.writeFileSync(wrong, JSON.stringify({ ...fixtureRunResult(), variants: [{ name: 'x' }] }));
    expectConfigError(() => loadRunResult(wrong), /wrong.json is not a chatlab report.json \(schema v1\): variants\.0\.params|variants\.0\.checker/);
  });

  it('fills what docs/protocol.md does not fix, so a minimal report still loads', () => {
    const r = fixtureRunResult();
    const v = r.variants[0]!;
    const minimal = {
      schemaVersion: 1,
      scenario: 's',
      ok: true,
      variants: [{ name: 'v', checker: { sent: 1, acked: 1, expectedDeliveries: 2, delivered: 2, lost: 0, duplicates: 0, reordered: 0, late: 0 }, latency: v.latency, thresholds: [] }],
    };
    const loaded = parseRunResult(minimal, 'mem');
    expect(loaded.variants[0]!.measures).toEqual({});
    expect(loaded.variants[0]!.checker.hot).toEqual({ ackedNotStored: 0, storedNotPushed: 0 });
    expectConfigError(() => parseRunResult({ ...minimal, schemaVersion: 2 }, 'mem'), /mem is not a chatlab report.json \(schema v1\): schemaVersion/);
  });
});

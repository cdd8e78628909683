import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCalibration, parseGroupMix, workloadFrom } from './size-input.js';

describe('chatlab size input', () => {
  it('lays flags over the workload file and fills the defaults', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'size-')), 'w.json');
    fs.writeFileSync(file, JSON.stringify({ users: 500, peakFactor: 4 }));
    const w = workloadFrom({ workload: file, users: '2000', groupMix: '2:0.5,50:0.5' });
    expect(w.users).toBe(2000);
    expect(w.peakFactor).toBe(4);
    expect(w.groupMix).toEqual([{ size: 2, share: 0.5 }, { size: 50, share: 0.5 }]);
    expect(w.rf).toBe(3);
  });

  it('names the flag or the file field that is wrong, with CHATLAB_E_CONFIG', () => {
    expect(() => workloadFrom({ users: 'many' })).toThrow(/--users: expected a number/);
    expect(() => workloadFrom({ groupMix: '2:0.5,50:0.2' })).toThrow(/--group-mix: groupMix: the shares must add up to 1/);
    expect(() => parseGroupMix('two')).toThrow(/size:share/);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'size-')), 'w.json');
    fs.writeFileSync(file, JSON.stringify({ rf: 0 }));
    expect(() => workloadFrom({ workload: file })).toThrow(/w\.json: rf/);
    fs.writeFileSync(file, '{oops');
    expect(() => workloadFrom({ workload: file })).toThrow(/not JSON/);
  });

  it('reads the bundled calibration, measured on this machine, and refuses a broken one', () => {
    const { calibration } = loadCalibration(undefined);
    expect(calibration.machine.cores).toBeGreaterThan(0);
    expect(calibration.figures.gatewayUsPerSend.n).toBeGreaterThan(1);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'size-')), 'c.json');
    fs.writeFileSync(file, JSON.stringify({ schema: 1 }));
    expect(() => loadCalibration(file)).toThrow(/--calibration .*c\.json/);
  });
});

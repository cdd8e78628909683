import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { fileSdTargets, monitoringFiles, readTargets, writeMonitoringFiles } from './monitoring.js';

const services = [
  { name: 'gateway-1', kind: 'gateway' as const, url: 'http://127.0.0.1:41001' },
  { name: 'gateway-2', kind: 'gateway' as const, url: 'http://127.0.0.1:41002' },
  { name: 'persist-worker', kind: 'persist-worker' as const, url: 'http://127.0.0.1:41003' },
];

describe('Prometheus scrape config', () => {
  it('lists one host:port target per service, labelled with its kind', () => {
    expect(fileSdTargets(services)).toEqual([
      { targets: ['127.0.0.1:41001'], labels: { kind: 'gateway' } },
      { targets: ['127.0.0.1:41002'], labels: { kind: 'gateway' } },
      { targets: ['127.0.0.1:41003'], labels: { kind: 'persist-worker' } },
    ]);
  });

  it('writes prometheus.yml reading targets.json (file_sd, relative to itself) into the state dir', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mon-'));
    const files = writeMonitoringFiles(dir, services);
    expect(files.dir).toBe(path.join(dir, 'monitoring'));
    const cfg = parse(fs.readFileSync(files.prometheusConfig, 'utf8'));
    const job = cfg.scrape_configs[0];
    expect(job.metrics_path).toBe('/metrics');
    expect(job.file_sd_configs[0].files).toEqual([path.basename(files.targets)]);
    expect(readTargets(dir).flatMap((g) => g.targets)).toEqual(['127.0.0.1:41001', '127.0.0.1:41002', '127.0.0.1:41003']);
    // after `down`: an empty list, so Prometheus stops scraping ports others may reuse
    writeMonitoringFiles(dir, []);
    expect(readTargets(dir)).toEqual([]);
    expect(fs.readdirSync(files.dir).sort()).toEqual(['prometheus.yml', 'targets.json']);
    fs.rmSync(dir, { recursive: true });
  });

  it('reads no targets when up never wrote any', () => {
    expect(readTargets(path.join(os.tmpdir(), 'nowhere-chatlab'))).toEqual([]);
    expect(monitoringFiles('/x').targets).toBe('/x/monitoring/targets.json');
  });
});

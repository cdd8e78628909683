import fs from 'node:fs';
import path from 'node:path';
import type { ServiceRecord } from './state.js';

/**
 * Prometheus scrape config for a running stack: `prometheus.yml` reads its targets from
 * `targets.json` (file_sd), one target per service process, labelled with its kind
 * (the samples carry `service="<name>"` themselves). Prometheus re-reads the targets file by itself, so a stack restarted in the same state
 * dir is picked up without restarting Prometheus (docker-compose.yml, profile `monitoring`).
 */
export interface MonitoringFiles {
  /** The directory holding both files (mount it as /etc/prometheus/chatlab). */
  dir: string;
  prometheusConfig: string;
  targets: string;
}

export interface FileSdGroup {
  targets: string[];
  /** `kind` only: each process already labels its samples `service="<name>"`. */
  labels: { kind: string };
}

export function monitoringFiles(stateDir: string): MonitoringFiles {
  const dir = path.join(stateDir, 'monitoring');
  return { dir, prometheusConfig: path.join(dir, 'prometheus.yml'), targets: path.join(dir, 'targets.json') };
}

/** One file_sd group per service: `host:port` of its base URL, where `/metrics` answers. */
export function fileSdTargets(services: ReadonlyArray<Pick<ServiceRecord, 'name' | 'kind' | 'url'>>): FileSdGroup[] {
  return services.map((s) => ({ targets: [new URL(s.url).host], labels: { kind: s.kind } }));
}

/** The config file is relative to its own directory, so the folder can be mounted anywhere. */
export function prometheusYaml(scrapeIntervalSec = 5): string {
  return [
    '# Written by `chatlab up`: every chatlab process\'s /metrics, targets in targets.json (file_sd).',
    'global:',
    `  scrape_interval: ${scrapeIntervalSec}s`,
    `  evaluation_interval: ${scrapeIntervalSec}s`,
    'scrape_configs:',
    '  - job_name: chatlab',
    '    metrics_path: /metrics',
    '    file_sd_configs:',
    '      - files: [targets.json]',
    '        refresh_interval: 5s',
    '',
  ].join('\n');
}

/** Writes both files (atomically: Prometheus may read the targets at any moment). */
export function writeMonitoringFiles(stateDir: string, services: ReadonlyArray<Pick<ServiceRecord, 'name' | 'kind' | 'url'>>): MonitoringFiles {
  const files = monitoringFiles(stateDir);
  fs.mkdirSync(files.dir, { recursive: true });
  const write = (file: string, text: string) => {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  };
  write(files.prometheusConfig, prometheusYaml());
  write(files.targets, `${JSON.stringify(fileSdTargets(services), null, 2)}\n`);
  return files;
}

/** What Prometheus reads back (an empty list once the stack is down). */
export function readTargets(stateDir: string): FileSdGroup[] {
  try {
    return JSON.parse(fs.readFileSync(monitoringFiles(stateDir).targets, 'utf8')) as FileSdGroup[];
  } catch {
    return [];
  }
}

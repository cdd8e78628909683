import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { monitoringFiles, readState, readTargets } from '../../src/stack/index.js';
import { metricNames } from '../support/promql.js';

/**
 * `chatlab up` (startStack) writes a Prometheus scrape config: every running service's
 * /metrics is a file_sd target, and each target answers with the names the Grafana
 * dashboard queries.
 */
describe('Prometheus targets of a running stack', () => {
  const stateDir = inject('stateDir');

  it('lists every running service\'s metrics address, and nothing else', () => {
    const services = readState(stateDir)!.services;
    expect(services.length).toBeGreaterThanOrEqual(5);
    const listed = readTargets(stateDir).flatMap((g) => g.targets.map((t) => ({ target: t, kind: g.labels.kind })));
    expect(listed.map((t) => t.target).sort()).toEqual(services.map((s) => new URL(s.url).host).sort());
    for (const s of services) expect(listed.find((t) => t.target === new URL(s.url).host)?.kind).toBe(s.kind);
    const cfg = parse(fs.readFileSync(monitoringFiles(stateDir).prometheusConfig, 'utf8'));
    expect(path.join(path.dirname(monitoringFiles(stateDir).prometheusConfig), cfg.scrape_configs[0].file_sd_configs[0].files[0])).toBe(monitoringFiles(stateDir).targets);
  });

  it('each target answers /metrics in Prometheus text, labelled with its service', async () => {
    const names = new Map(readState(stateDir)!.services.map((s) => [new URL(s.url).host, s.name]));
    const exposed = new Set<string>();
    for (const group of readTargets(stateDir)) {
      for (const target of group.targets) {
        const res = await fetch(`http://${target}/metrics`, { signal: AbortSignal.timeout(5000) });
        expect(res.status, target).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
        const text = await res.text();
        expect(text).toContain(`process_cpu_seconds_total{service="${names.get(target)}"}`);
        for (const m of text.matchAll(/^# TYPE (\S+)/gm)) exposed.add(m[1]!);
      }
    }
    // every name the shipped Grafana dashboard queries is served by some process
    const dashboard = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../docs/grafana/chatlab-dashboard.json'), 'utf8'));
    const wanted = new Set<string>(dashboard.panels.flatMap((p: { targets: Array<{ expr: string }> }) => p.targets.flatMap((t) => metricNames(t.expr))));
    expect([...wanted].filter((n) => !exposed.has(n))).toEqual([]);
  });
});

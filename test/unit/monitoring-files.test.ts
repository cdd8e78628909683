import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { metricNames } from '../support/promql.js';

/** docs/grafana and docker-compose's monitoring profile: files that exist, names that are documented. */
const root = path.resolve(import.meta.dirname, '../..');
const read = (p: string) => fs.readFileSync(path.join(root, p), 'utf8');
const dashboard = JSON.parse(read('docs/grafana/chatlab-dashboard.json'));
const exprs: string[] = dashboard.panels.flatMap((p: { targets: Array<{ expr: string }> }) => p.targets.map((t) => t.expr));


describe('Grafana dashboard', () => {
  it('queries only metric names docs/protocol.md documents', () => {
    const protocol = read('docs/protocol.md');
    const names = [...new Set(exprs.flatMap(metricNames))];
    expect(names.length).toBeGreaterThan(15);
    expect(names.filter((n) => !protocol.includes(`\`${n}\``) && !protocol.includes(`\`${n}{`))).toEqual([]);
  });

  it('has a panel for each of the contract\'s names', () => {
    const used = new Set(exprs.flatMap(metricNames));
    for (const n of ['chatlab_ws_connections', 'chatlab_messages_sent_total', 'chatlab_messages_delivered_total', 'chatlab_redis_publishes_total', 'chatlab_kafka_produced_total', 'chatlab_persisted_total', 'chatlab_presence_events_total', 'chatlab_presence_redis_writes_total', 'chatlab_presence_notifications_total', 'chatlab_receipt_updates_total', 'chatlab_receipt_db_writes_total', 'chatlab_delivery_latency_seconds']) {
      expect(used, n).toContain(n);
    }
  });

  it('uses the data source the provisioning file declares', () => {
    const ds = parse(read('docs/grafana/provisioning/datasources/prometheus.yml')).datasources[0];
    for (const p of dashboard.panels) for (const t of p.targets) expect(t.datasource.uid).toBe(ds.uid);
  });
});

describe('docker-compose monitoring profile', () => {
  const compose = parse(read('docker-compose.yml'));

  it('adds Prometheus and Grafana only under the monitoring profile', () => {
    const inProfile = Object.entries(compose.services).filter(([, s]) => (s as { profiles?: string[] }).profiles?.includes('monitoring')).map(([n]) => n);
    expect(inProfile.sort()).toEqual(['grafana', 'prometheus']);
  });

  it('mounts the state dir\'s monitoring folder and the shipped Grafana files', () => {
    const prom = compose.services.prometheus;
    expect(prom.volumes[0]).toMatch(/\/monitoring:\/etc\/prometheus\/chatlab:ro$/);
    expect(prom.command.join(' ')).toContain('/etc/prometheus/chatlab/prometheus.yml');
    for (const v of compose.services.grafana.volumes as string[]) {
      const host = v.split(':')[0]!;
      expect(fs.existsSync(path.join(root, host)), host).toBe(true);
    }
  });
});

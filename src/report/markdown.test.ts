import { describe, expect, it } from 'vitest';
import { fixtureRunResult } from '../../test/fixtures/run-result.js';
import { renderMarkdown } from './markdown.js';

describe('renderMarkdown', () => {
  const md = renderMarkdown(fixtureRunResult());

  it('puts the verdict first, with every threshold value and pass/fail', () => {
    const firstSection = md.indexOf('## ');
    expect(md.slice(firstSection)).toMatch(/^## Verdict: ❌ FAIL — 3 threshold\(s\) broken/);
    expect(md).toContain('| no-jitter | `p99 < 250` | 250 | 412 | ❌ **FAIL** |');
    expect(md).toContain('| full-jitter | `p99 < 250` | 250 | 96 | ✅ pass |');
    expect(md).toContain('| no-jitter | `lost == 0` | 0 | 3 | ❌ **FAIL** |');
    // 3 thresholds × 2 variants
    expect(md.match(/^\| (no-jitter|full-jitter) \| `/gm)).toHaveLength(6);
  });

  it('shows the checker per variant with the first concrete examples of each fault', () => {
    expect(md).toContain('## Delivery checker');
    expect(md).toMatch(/\| lost \| 3 \| 0 \|/);
    expect(md).toMatch(/\| sent \| 108,000 \| 108,000 \|/);
    expect(md).toContain('- **lost** (3 in all; first 3):');
    expect(md).toContain('  - conversation conv-0, clientMsgId u0-m0, messageId 712345678900, recipient user-3');
    expect(md).toContain('seen 2×');
    expect(md).toContain('after 6210 ms');
    expect(md).toContain('### full-jitter: examples');
    expect(md).toContain('worker 2: 3 sockets closed with 4008 (slow consumer)');
  });

  it('puts variants side by side, marks the better value and gives the ratio', () => {
    expect(md).toContain('| measure | no-jitter | full-jitter | full-jitter / no-jitter |');
    expect(md).toContain('| reconnectPeakPerSec | 4,800 | **610** ✓ | 0.13× |');
    // higher is better for this one, and it says so
    expect(md).toContain('| deliveriesPerSec ↑ | 95,580 | **95,940** ✓ | 1.00× |');
    expect(md).toContain('| latency p99 (ms) | 412 | **96** ✓ | 0.23× |');
    expect(md).toContain('`no-jitter`: backoff=none, clients=10000');
  });

  it('ends with the environment, enough to repeat the run', () => {
    const env = md.slice(md.indexOf('## Environment'));
    for (const s of ['| redis | 7.0.15 |', '| kafka | 4.1.0 |', '| cassandra | 5.0.4 |', '| seed | 42 |', '| provider | native |', 'backoff=none,full-jitter']) {
      expect(env).toContain(s);
    }
  });

  it('says when the run could not be done', () => {
    const r = { ...fixtureRunResult(), error: 'Kafka did not | answer', variants: [] };
    const text = renderMarkdown(r);
    expect(text).toContain('## Verdict: ⚠ ERROR — the run could not be done');
    expect(text).toContain('> Kafka did not \\| answer');
    expect(text).not.toContain('## Delivery checker');
  });
});

describe('issue 12 in report.md', () => {
  it('marks an interrupted run, shows the baseline comparison and the service options', async () => {
    const { fixtureRunResult } = await import('../../test/fixtures/run-result.js');
    const { compareToBaseline } = await import('./baseline.js');
    const r = fixtureRunResult();
    r.environment.serviceOptions = { 'gateway-1': { routing: 'hybrid' } };
    r.baseline = compareToBaseline(fixtureRunResult(), r, 'reports/base', 10);
    const md = renderMarkdown(r);
    expect(md).toContain('## Against the baseline');
    expect(md).toContain('baseline reports/base (max regress 10%): no regression');
    expect(md).toMatch(/\| gateway-1 \| routing=hybrid \|/);
    expect(renderMarkdown({ ...r, interrupted: true })).toContain('INTERRUPTED — partial report');
  });
});

import { describe, expect, it } from 'vitest';
import { fixtureRunResult } from '../../test/fixtures/run-result.js';
import { renderMarkdown } from './markdown.js';

describe('renderMarkdown', () => {
  const md = renderMarkdown(fixtureRunResult());

  it('opens with the finding, then the verdict with every threshold value and pass/fail', () => {
    const sections = md.match(/^## .*/gm)!.map((h) => h.slice(3, 30));
    expect(sections[0]).toBe('Finding');
    expect(sections[1]).toMatch(/^Verdict: ❌ FAIL — 3 thresho/);
    // no finding of its own in the fixture: the generic one, computed from the data
    expect(md).toContain('**The variants differ most in reconnectPeakPerSec: 4,800 (no-jitter) vs 610 (full-jitter), 7.9× apart (one run each: spread unknown).');
    // one row per threshold, one column per variant
    expect(md).toContain('| threshold | no-jitter | full-jitter |');
    expect(md).toContain('| `p99 < 250` | ❌ **412** | ✅ 96 |');
    expect(md).toContain('| `lost == 0` | ❌ **3** | ✅ 0 |');
    expect(md).toContain('| `recoverySeconds <= 30` | ❌ **34** | ✅ 12 |');
    expect(md.match(/^\| `[^`]+` \| /gm)).toHaveLength(3);
  });

  it('shows the checker per variant with the first concrete examples of each fault', () => {
    expect(md).toContain('## Delivery checker');
    expect(md).toMatch(/\| lost \| 3 \| 0 \|/);
    // equal rows collapse into one line
    expect(md).not.toMatch(/\| sent \| 108,000 \| 108,000 \|/);
    expect(md).toContain('The same in every variant: sent 108,000 · acked 107,990');
    expect(md).toContain('- **lost** (3 in all; first 3):');
    expect(md).toContain('  - conversation conv-0, clientMsgId u0-m0, messageId 712345678900, recipient user-3');
    expect(md).toContain('seen 2×');
    expect(md).toContain('after 6210 ms');
    expect(md).toContain('### full-jitter: examples');
    expect(md).toContain('worker 2: 3 sockets closed with 4008 (slow consumer)');
  });

  it('puts variants side by side with the ratio, and marks no winner from one run each', () => {
    expect(md).toContain('| measure | no-jitter | full-jitter | full-jitter / no-jitter | verdict |');
    expect(md).toContain('| reconnectPeakPerSec | 4,800 | 610 | 1/7.9 | one run each: spread unknown |');
    // higher is better for this one, and it says so
    expect(md).toContain('| deliveriesPerSec ↑ | 95,580 | 95,940 | 1× | one run each: spread unknown |');
    expect(md).toContain('| latency p99 (ms) | 412 | 96 | 1/4.3 | one run each: spread unknown |');
    expect(md).toContain('One run per variant: no spread is known');
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

describe('repeats in report.md', () => {
  it('gives medians with their range and marks a winner only when the ranges are apart', async () => {
    const { withRepeats } = await import('../../test/fixtures/repeats.js');
    let r = withRepeats(fixtureRunResult(), 0, [400, 412, 430], { reconnectPeakPerSec: [4700, 4800, 5100], recoverySeconds: [20, 34, 40] });
    r = withRepeats(r, 1, [90, 96, 420], { reconnectPeakPerSec: [600, 610, 700], recoverySeconds: [12, 12, 25] });
    const md = renderMarkdown(r);
    expect(md).toContain('Medians of 3 interleaved runs');
    expect(md).toContain('| reconnectPeakPerSec | 4,800 (4,700–5,100) | **610 (600–700)** ✓ | 1/7.9 | full-jitter better |');
    // 96 ms is the better median, but one full-jitter run reached 420: no winner
    expect(md).toContain('| latency p99 (ms) | 412 (400–430) | 96 (90–420) | 1/4.3 | no difference measured |');
    expect(md).toContain('| recoverySeconds | 34 (20–40) | 12 (12–25) | 1/2.8 | no difference measured |');
    expect(md).toContain('Counts are summed over the 3 runs of each variant.');
  });
});

describe('a verdict you can trust, in report.md', () => {
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

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fanoutRunResult } from '../../test/fixtures/fanout-run.js';
import { writeReport } from './write.js';

/**
 * What a reader checks: report.html of a large-group-fanout run opens
 * with its finding sentence and its headline chart. The run object is assembled the engine's
 * way (repeats folded by foldRepeats, the finding stated by the scenario's own hook through
 * buildFinding) and written by writeReport; nothing here is hand-written HTML.
 */
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
interface El {
  id: string;
  getAttribute(name: string): string | null;
}

describe.skipIf(!hasChromium)(`the finding in report.html${hasChromium ? '' : ` (skipped: ${CHROMIUM} not installed; apt-get install -y chromium)`}`, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'chatlab-finding-'));
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    await writeReport(fanoutRunResult(), tmp);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(pathToFileURL(path.join(tmp, 'report.html')).href, { waitUntil: 'load' });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('opens with the finding: the trade-off in a sentence computed from the data', async () => {
    const sections = await page.locator('main > section').evaluateAll((els) => els.map((e) => (e as unknown as El).id));
    expect(sections[0]).toBe('finding');
    const sentence = await page.locator('#finding p.finding').innerText();
    expect(sentence).toBe(
      'At 300 members the group channel needs 1 publish per message instead of 300 and 49× fewer bytes (2,429 vs 119,713); ' +
        'last-recipient p99 is 35 ms (30–41 over 3 runs) vs 27 ms (25–60 over 3 runs) with inboxes — the runs overlap: no difference measured. ' +
        'Hybrid switches to the group channel above 100 members (groupThreshold), so at 300 it uses the group channel: 1 publish per message.',
    );
    // it is the first thing on the page a reader sees, above the fold
    const box = await page.locator('#finding p.finding').boundingBox();
    expect(box!.y).toBeLessThan(250);
  });

  it('shows the headline chart right under it: cost per message against group size, one line per routing, overlaid', async () => {
    const charts = page.locator('#finding svg.chart');
    expect(await charts.count()).toBe(1);
    const chart = charts.first();
    expect(await chart.locator('.chart-title').textContent()).toBe('Redis cost per message by group size');
    const series = await chart.locator('polyline.series').evaluateAll((ps) => ps.map((p) => (p as unknown as El).getAttribute('data-series')));
    expect(series).toEqual(['inbox publishes', 'inbox bytes', 'group publishes', 'group bytes', 'hybrid publishes', 'hybrid bytes']);
    expect(await chart.locator('.tick.x').allTextContents()).toEqual(['10', '100', '300']);
    expect(await chart.locator('.axis-label').allTextContents()).toEqual(['group size (members, log)', 'publishes per message (solid)', 'bytes per message (dashed)']);
    // the group line is flat at 1 publish; inbox climbs to 300: the chart's top tick covers it
    expect(await chart.locator('.tick.y').last().textContent()).toBe('300');
    const b = await chart.boundingBox();
    expect(b!.width).toBeGreaterThan(600);
  });

  it('tables the headline measures with median, range and verdict, and states the cutoff and the small sample', async () => {
    const rows = await page.locator('#finding table.headline-measures tbody tr').allInnerTexts();
    expect(rows).toEqual([
      // group and hybrid both send 1: better than inbox's 300, no difference between them
      'publishesPerMsg@300\t300\t1 ✓\t1 ✓\trouting=group and routing=hybrid better (no difference between them)',
      // the same in all 3 runs of each, so the ranges are apart
      'redisBytesPerMsg@300\t119,713\t2,429 ✓\t2,431\trouting=group better',
      'lastRecipientP99@300\t27 (25–60)\t35 (30–41)\t33 (29–52)\tno difference measured',
    ]);
    const settings = await page.locator('#finding ul.settings').innerText();
    expect(settings).toContain('gateway groupThreshold=100: hybrid routing publishes once to the group channel above 100 members');
    expect(await page.locator('#finding ul.caveats').innerText()).toContain('20 messages per size: p99 is the maximum');
  });

  it('leaves out the charts that carry nothing (no reconnect happened) and overlays the fan-out latency', async () => {
    const titles = await page.locator('svg.chart .chart-title').allTextContents();
    expect(titles).toEqual(['Redis cost per message by group size', 'send→deliver latency over time', 'fan-out: first and last recipient p99']);
    const fan = page.locator('svg.chart', { hasText: 'fan-out: first and last recipient p99' });
    expect(await fan.locator('polyline.series').count()).toBe(6);
  });
});

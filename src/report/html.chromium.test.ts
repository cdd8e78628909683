import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureRunResult } from '../../test/fixtures/run-result.js';
import { writeReport } from './write.js';

/**
 * Opens report.html in Debian's headless Chromium and asserts what a reader sees. Skipped
 * (with the reason in the test name) only where /usr/bin/chromium is not installed; CI
 * installs it. With CHATLAB_SCREENSHOTS=1 it also refreshes docs/report-fixture-screenshot.png.
 */
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
/**
 * The project compiles without the DOM lib; code run in the page sees these shapes. Casts
 * only: evaluate() callbacks are serialised into the page and can call no Node-side helper.
 */
interface El {
  id: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelectorAll(sel: string): ArrayLike<El>;
}
interface PageGlobals {
  getComputedStyle(el: unknown): { backgroundColor: string };
  DOMParser: new () => { parseFromString(text: string, type: string): { querySelector(s: string): El | null; querySelectorAll(s: string): ArrayLike<El> } };
}

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe.skipIf(!hasChromium)(`report.html in headless Chromium${hasChromium ? '' : ` (skipped: ${CHROMIUM} not installed; apt-get install -y chromium)`}`, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'chatlab-html-'));
  let browser: Browser;
  let page: Page;
  const requests: string[] = [];

  beforeAll(async () => {
    await writeReport(fixtureRunResult(), tmp);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('request', (req) => requests.push(req.url()));
    await page.goto(pathToFileURL(path.join(tmp, 'report.html')).href, { waitUntil: 'load' });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('is one self-contained file: nothing fetched, no scripts', async () => {
    expect(requests).toHaveLength(1);
    expect(await page.locator('script, link, img, iframe, [src]').count()).toBe(0);
  });

  it('puts the finding first, then the verdict with every threshold, value and pass/fail, environment last', async () => {
    const sections = await page.locator('main > section').evaluateAll((els) => els.map((e) => (e as unknown as El).id));
    expect(sections).toEqual(['finding', 'verdict', 'variants', 'checker', 'latency', 'environment']);
    expect(await page.locator('.verdict.fail').innerText()).toBe('FAIL — 3 threshold(s) broken');
    const rows = await page.locator('table.thresholds tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from((tr as unknown as El).querySelectorAll('td')).map((td) => td.textContent)));
    // one row per threshold, one column per variant
    expect(rows).toHaveLength(3);
    expect(rows[1]).toEqual(['p99 < 250', '✖ 412', '✔ 96']);
    expect(await page.locator('table.thresholds tbody tr').nth(1).locator('td.bad').innerText()).toBe('✖ 412');
    expect(await page.locator('table.environment').innerText()).toContain('cassandra\t5.0.4');
  });

  it('draws the headline chart and overlaid detail charts as inline SVG with axes and fault markers', async () => {
    const charts = page.locator('svg.chart');
    const titles = await page.locator('svg.chart .chart-title').allTextContents();
    // the fixture's scenario states no finding: the generic one charts p99 over time (not drawn twice)
    expect(titles).toEqual(['send→deliver p99 over time', 'reconnect curve', 'fan-out: first and last recipient p99']);
    expect(await page.locator('#finding p.finding').innerText()).toMatch(/^The variants differ most in reconnectPeakPerSec: 4,800 \(no-jitter\) vs 610 \(full-jitter\), 7\.9× apart/);
    for (let i = 0; i < 3; i++) {
      const chart = charts.nth(i);
      expect(await chart.locator('polyline.series').count()).toBeGreaterThanOrEqual(2);
      expect(await chart.locator('.tick').count()).toBeGreaterThan(4);
      const box = await chart.boundingBox();
      expect(box!.width).toBeGreaterThan(300);
    }
    const latency = charts.nth(0);
    expect(await latency.locator('.axis-label').allTextContents()).toEqual(['time since the variant started (mm:ss)', 'p99 latency (ms)']);
    // The gateway kill sits on the time axis, its label decoded from escaped text.
    expect(await latency.locator('.fault-marker title').allTextContents()).toEqual(['kill -9 gateway-2 <pid 4242> & "friends"']);
    // The null p99 sample right after the kill breaks each variant's line in two; variants overlaid.
    expect(await latency.locator('polyline[data-series="no-jitter"]').count()).toBe(2);
    expect(await latency.locator('polyline[data-series="full-jitter"]').count()).toBe(2);
    // one axis for both variants, so they compare by height
    expect(await latency.locator('.tick.y').last().textContent()).toBe('500');
    const reconnect = charts.nth(1);
    expect(await reconnect.locator('.axis-label').allTextContents()).toEqual(['time since the variant started (mm:ss)', 'reconnects / s', 'open connections']);
    expect(await reconnect.locator('.fault-marker').count()).toBe(1);
    const fan = charts.nth(2);
    expect(await fan.locator('.axis-label').allTextContents()).toEqual(['group size (log)', 'p99 latency (ms)']);
    expect(await fan.locator('polyline.series').evaluateAll((ps) => ps.map((p) => (p as unknown as El).getAttribute('data-series')))).toEqual([
      'no-jitter inbox first p99',
      'no-jitter inbox last p99',
      'no-jitter group first p99',
      'no-jitter group last p99',
      'full-jitter inbox first p99',
      'full-jitter inbox last p99',
      'full-jitter group first p99',
      'full-jitter group last p99',
    ]);
    expect(await fan.locator('.tick.x').allTextContents()).toEqual(['10', '100', '1000', '5000']);
  });

  it('shows the variants side by side with ratios, no winner from one run each, equal rows collapsed', async () => {
    const head = await page.locator('table.side-by-side thead th').allTextContents();
    expect(head).toEqual(['measure', 'no-jitter', 'full-jitter', 'full-jitter / no-jitter', 'verdict']);
    const row = page.locator('table.side-by-side tbody tr', { hasText: 'reconnectPeakPerSec' });
    expect(await row.locator('td').allTextContents()).toEqual(['reconnectPeakPerSec', '4,800', '610', '1/7.9', 'one run each: spread unknown']);
    expect(await row.locator('td.best').count()).toBe(0);
    expect(await row.locator('td.diff').count()).toBe(1);
    // the checker's rows that are the same in both variants are one line, not a table of zeros
    expect(await page.locator('table.checker tbody tr').count()).toBe(5);
    expect(await page.locator('#checker p.equal').innerText()).toBe('The same in every variant: sent 108,000 · acked 107,990 · expectedDeliveries 8,639,200 · reassigned 0 · reordered 0 · deliveredUnacked 10 · unexpected 0 · leaks 0 · leaksLive 0 · leaksSync 0 · leaksHistory 0 · leaksSearch 0 · leaksReceipts 0 · leaksMembers 0 · ackedNotStored 0 · storedNotPushed 4,120');
    expect(await page.locator('#checker ul.examples').first().innerText()).toContain('conversation conv-0, clientMsgId u0-m0');
    expect(await page.locator('table.fanout tbody tr').count()).toBe(16);
  });

  it('ticks a winner, green, only when the repeats’ ranges are apart', async () => {
    const { withRepeats } = await import('../../test/fixtures/repeats.js');
    let r = withRepeats(fixtureRunResult(), 0, [400, 412, 430], { reconnectPeakPerSec: [4700, 4800, 5100] });
    r = withRepeats(r, 1, [90, 96, 420], { reconnectPeakPerSec: [600, 610, 700] });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chatlab-html-rep-'));
    await writeReport(r, dir);
    const p2 = await browser.newPage();
    await p2.goto(pathToFileURL(path.join(dir, 'report.html')).href);
    const row = p2.locator('table.side-by-side tbody tr', { hasText: 'reconnectPeakPerSec' });
    expect(await row.locator('td').allTextContents()).toEqual(['reconnectPeakPerSec', '4,800 (4,700–5,100)', '610 ✓ (600–700)', '1/7.9', 'full-jitter better']);
    const bg = await row.locator('td.best').evaluate((td) => (globalThis as unknown as PageGlobals).getComputedStyle(td).backgroundColor);
    expect(bg).toBe('rgb(220, 252, 231)');
    const p99 = p2.locator('table.side-by-side tbody tr', { hasText: 'latency p99 (ms)' });
    expect(await p99.locator('td').last().textContent()).toBe('no difference measured');
    expect(await p99.locator('td.best').count()).toBe(0);
    await p2.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes a junit.xml that Chromium parses as XML', async () => {
    const xml = fs.readFileSync(path.join(tmp, 'junit.xml'), 'utf8');
    const parsed = await page.evaluate((text) => {
      const doc = new (globalThis as unknown as PageGlobals).DOMParser().parseFromString(text, 'application/xml');
      return { error: doc.querySelector('parsererror')?.textContent ?? null, cases: doc.querySelectorAll('testcase').length, failures: doc.querySelectorAll('failure').length };
    }, xml);
    expect(parsed).toEqual({ error: null, cases: 6, failures: 3 });
  });

  it.runIf(process.env['CHATLAB_SCREENSHOTS'] === '1')('refreshes docs/report-fixture-screenshot.png', async () => {
    await page.screenshot({ path: path.resolve('docs/report-fixture-screenshot.png'), fullPage: true });
  });
});

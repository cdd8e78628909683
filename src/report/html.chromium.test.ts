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

  it('puts the verdict first, every threshold with value and pass/fail, environment last', async () => {
    const sections = await page.locator('main > section').evaluateAll((els) => els.map((e) => (e as unknown as El).id));
    expect(sections).toEqual(['verdict', 'checker', 'latency', 'variants', 'environment']);
    expect(await page.locator('.verdict.fail').innerText()).toBe('FAIL — 3 threshold(s) broken');
    const rows = await page.locator('table.thresholds tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from((tr as unknown as El).querySelectorAll('td')).map((td) => td.textContent)));
    expect(rows).toHaveLength(6);
    expect(rows[1]).toEqual(['no-jitter', 'p99 < 250', '250', '412', '✖ FAIL']);
    expect(rows[4]).toEqual(['full-jitter', 'p99 < 250', '250', '96', '✔ pass']);
    expect(await page.locator('table.environment').innerText()).toContain('cassandra\t5.0.4');
  });

  it('draws latency, reconnect and fan-out charts as inline SVG with axes and fault markers', async () => {
    const charts = page.locator('svg.chart');
    expect(await charts.count()).toBe(6);
    const titles = await page.locator('svg.chart .chart-title').allTextContents();
    expect(titles).toEqual([
      'no-jitter: send→deliver latency over time',
      'full-jitter: send→deliver latency over time',
      'no-jitter: reconnect curve',
      'full-jitter: reconnect curve',
      'no-jitter: fan-out, first and last recipient p99',
      'full-jitter: fan-out, first and last recipient p99',
    ]);
    for (let i = 0; i < 6; i++) {
      const chart = charts.nth(i);
      expect(await chart.locator('polyline.series').count()).toBeGreaterThanOrEqual(2);
      expect(await chart.locator('.tick').count()).toBeGreaterThan(4);
      const box = await chart.boundingBox();
      expect(box!.width).toBeGreaterThan(300);
    }
    const latency = charts.nth(0);
    expect(await latency.locator('.axis-label').allTextContents()).toEqual(['time since start (mm:ss)', 'latency (ms)']);
    // The gateway kill sits on the time axis, its label decoded from escaped text.
    expect(await latency.locator('.fault-marker title').allTextContents()).toEqual(['kill -9 gateway-2 <pid 4242> & "friends"']);
    // The null p99 sample right after the kill breaks the line in two.
    expect(await latency.locator('polyline[data-series="p99"]').count()).toBe(2);
    expect(await charts.nth(2).locator('.axis-label').allTextContents()).toEqual(['time since start (mm:ss)', 'reconnects / s', 'open connections']);
    expect(await charts.nth(2).locator('.fault-marker').count()).toBe(1);
    // Variants share a y scale, so their charts compare by height.
    const topTick = (i: number) => charts.nth(i).locator('.tick.y').last().textContent();
    expect(await topTick(0)).toBe('500');
    expect(await topTick(1)).toBe('500');
    const fan = charts.nth(4);
    expect(await fan.locator('.axis-label').allTextContents()).toEqual(['group size (log)', 'p99 latency (ms)']);
    expect(await fan.locator('polyline.series').evaluateAll((ps) => ps.map((p) => (p as unknown as El).getAttribute('data-series')))).toEqual([
      'inbox first p99',
      'inbox last p99',
      'group first p99',
      'group last p99',
    ]);
    expect(await fan.locator('.tick.x').allTextContents()).toEqual(['10', '100', '1000', '5000']);
  });

  it('shows the variants side by side with the better value and differences highlighted', async () => {
    const head = await page.locator('table.side-by-side thead th').allTextContents();
    expect(head).toEqual(['measure', 'no-jitter', 'full-jitter', 'full-jitter / no-jitter']);
    const row = page.locator('table.side-by-side tbody tr', { hasText: 'reconnectPeakPerSec' });
    expect(await row.locator('td').allTextContents()).toEqual(['reconnectPeakPerSec', '4,800', '610 ✓', '0.13×']);
    expect(await row.locator('td.best').innerText()).toBe('610 ✓');
    expect(await row.locator('td.diff').count()).toBe(1);
    // highlighted means visibly different, not only a class name
    const bg = await row.locator('td.best').evaluate((td) => (globalThis as unknown as PageGlobals).getComputedStyle(td).backgroundColor);
    expect(bg).toBe('rgb(220, 252, 231)');
    expect(await page.locator('table.checker tbody tr').count()).toBe(14);
    expect(await page.locator('#checker ul.examples').first().innerText()).toContain('conversation conv-0, clientMsgId u0-m0');
    expect(await page.locator('table.fanout tbody tr').count()).toBe(16);
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

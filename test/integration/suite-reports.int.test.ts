import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { scenarios } from '../../scenarios/index.js';
import { SUITES } from '../../src/cli/index.js';
import type { RunResult } from '../../src/scenario/index.js';
import { runCli } from '../support/cli.js';

/**
 * What an architect checks: `chatlab suite ci` runs every scenario at
 * a small size on the real stack (those needing the cluster topology are skipped on this one node), and each report.html opens with that scenario's own finding
 * (the sentence computed from the run) and its headline chart, drawn with the run's data.
 */
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
type El = { id: string; getAttribute(name: string): string | null };

const out = fs.mkdtempSync(path.join(os.tmpdir(), 'chatlab-suite-reports-'));
let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
  fs.rmSync(out, { recursive: true, force: true });
});

describe.skipIf(!hasChromium)(`every scenario's report opens with its finding and its chart${hasChromium ? '' : ` (skipped: ${CHROMIUM} not installed)`}`, () => {
  it('suite ci passes, and each report.html leads with the sentence and the chart of that run', async () => {
    const res = await runCli(['--state-dir', inject('stateDir'), 'suite', 'ci', '--out', out], {}, 20 * 60_000);
    // a failing suite names its scenario and broken thresholds early in a long stderr: show those lines, then the tail
    const verdicts = res.stderr.split('\n').filter((l) => /^\u2716 |done: .*\u2716|^ci: /.test(l)).join('\n');
    expect(res.code, `${verdicts}\n…\n${res.stderr.slice(-1500)}`).toBe(0);
    const [suiteDir] = fs.readdirSync(out).filter((d) => d.startsWith('suite-ci-'));
    const reportDirs = fs.readdirSync(path.join(out, suiteDir!)).map((d) => path.join(out, suiteDir!, d)).filter((d) => fs.existsSync(path.join(d, 'report.json')));
    const runs = reportDirs.map((d) => ({ dir: d, run: JSON.parse(fs.readFileSync(path.join(d, 'report.json'), 'utf8')) as RunResult }));
    // every scenario the CLI lists ran at least once, but those that need the cluster topology:
    // this stack is one node, so the suite skips them, each with a line saying why
    const clusterOnly = SUITES['ci']!.filter((r) => r.optional).map((r) => r.scenario);
    expect(clusterOnly.sort()).toEqual(['broker-loss', 'storage-consistency']);
    for (const name of clusterOnly) expect(res.stderr).toMatch(new RegExp(`${name} skipped: .*cluster topology`));
    expect([...new Set(runs.map((r) => r.run.scenario))].sort()).toEqual(Object.keys(scenarios).filter((n) => !clusterOnly.includes(n)).sort());

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    for (const { dir, run } of runs) {
      const what = `${run.scenario} (${path.basename(dir)})`;
      const finding = run.finding;
      expect(finding, `${what}: report.json has the scenario's finding`).toBeDefined();
      expect(finding!.chart, `${what}: the finding has a headline chart`).toBeDefined();
      await page.goto(pathToFileURL(path.join(dir, 'report.html')).href, { waitUntil: 'load' });
      const sections = await page.locator('main > section').evaluateAll((els) => els.map((e) => (e as unknown as El).id));
      expect(sections[0], what).toBe('finding');
      const sentence = await page.locator('#finding p.finding').innerText();
      expect(sentence, what).toBe(finding!.text);
      expect(sentence, `${what}: a sentence with figures from the run`).toMatch(/\d/);
      expect((await page.locator('#finding p.finding').boundingBox())!.y, what).toBeLessThan(250);
      const chart = page.locator('#finding svg.chart');
      expect(await chart.count(), what).toBe(1);
      expect(await chart.locator('.chart-title').textContent(), what).toBe(finding!.chart!.title);
      expect(await chart.locator('.no-data').count(), `${what}: the chart has data`).toBe(0);
      if (finding!.chart!.kind === 'bars') {
        expect(await chart.locator('g.bar').count(), what).toBe(finding!.chart!.bars.length);
      } else {
        const drawn = await chart.locator('polyline.series').evaluateAll((ps) => ps.map((p) => (p as unknown as El).getAttribute('data-series')));
        expect(drawn.length, `${what}: at least one line drawn`).toBeGreaterThan(0);
        for (const name of drawn) expect(finding!.chart!.lines.map((l) => l.name), what).toContain(name);
      }
    }
  }, 25 * 60_000);
});

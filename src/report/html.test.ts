import { describe, expect, it } from 'vitest';
import { fixtureRunResult } from '../../test/fixtures/run-result.js';
import { renderHtml } from './html.js';
import { lineChart, niceTicks } from './svg.js';

// What needs no browser: escaping, the error verdict, degenerate charts. Layout and the
// rendered charts are checked in headless Chromium (html.chromium.test.ts).
describe('renderHtml', () => {
  it('escapes every piece of text it is given', () => {
    const r = fixtureRunResult();
    r.scenario = '<script>alert(1)</script>';
    r.variants[0]!.name = 'a"b&c';
    const html = renderHtml(r);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('kill -9 gateway-2 &lt;pid 4242&gt; &amp; &quot;friends&quot;');
    expect(html).toContain('a&quot;b&amp;c');
    expect(html).not.toMatch(/<(link|img|iframe)\b|src=|@import|url\(/);
  });

  it('shows a run that could not be done as an error verdict', () => {
    const html = renderHtml({ ...fixtureRunResult(), error: 'Kafka did not answer', variants: [] });
    expect(html).toContain('<div class="verdict error">ERROR — the run could not be done: Kafka did not answer</div>');
    expect(html).not.toContain('<svg');
    expect(html).toContain('id="environment"');
  });
});

describe('lineChart', () => {
  it('says "no data" instead of drawing an empty frame', () => {
    const svg = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 's', color: '#000', points: [[0, null]] }] });
    expect(svg).toContain('class="no-data"');
    expect(svg).not.toContain('<polyline');
  });

  it('picks round ticks', () => {
    expect(niceTicks(412)).toEqual([0, 100, 200, 300, 400, 500]);
    expect(niceTicks(0.9)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });
});

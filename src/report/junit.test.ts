import { describe, expect, it } from 'vitest';
import { fixtureRunResult } from '../../test/fixtures/run-result.js';
import { renderJunit } from './junit.js';

interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

const ENTITY: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function decode(s: string): string {
  if (/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(s)) throw new Error(`bare & in ${JSON.stringify(s)}`);
  return s.replace(/&(amp|lt|gt|quot|apos|#\d+);/g, (_, e: string) => (e.startsWith('#') ? String.fromCodePoint(Number(e.slice(1))) : ENTITY[e]!));
}

/** A strict little XML well-formedness parser: enough to reject what a CI JUnit reader would. */
function parseXml(xml: string): XmlNode {
  let i = 0;
  const decl = /^<\?xml [^?]*\?>\s*/.exec(xml);
  if (!decl) throw new Error('no XML declaration');
  i = decl[0].length;
  const root: XmlNode = { name: '#root', attrs: {}, children: [], text: '' };
  const stack = [root];
  while (i < xml.length) {
    const top = stack.at(-1)!;
    if (xml[i] !== '<') {
      const end = xml.indexOf('<', i);
      const raw = xml.slice(i, end === -1 ? xml.length : end);
      if (raw.includes('>')) throw new Error(`raw > in text at ${i}`);
      top.text += decode(raw);
      i = end === -1 ? xml.length : end;
      continue;
    }
    if (xml.startsWith('</', i)) {
      const m = /^<\/([A-Za-z_][\w.-]*)\s*>/.exec(xml.slice(i));
      if (!m || m[1] !== top.name) throw new Error(`mismatched close at ${i}: ${xml.slice(i, i + 30)}`);
      stack.pop();
      i += m[0].length;
      continue;
    }
    const m = /^<([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>/.exec(xml.slice(i));
    if (!m) throw new Error(`bad tag at ${i}: ${xml.slice(i, i + 40)}`);
    const attrs: Record<string, string> = {};
    for (const a of m[2]!.matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)) {
      if (a[1]! in attrs) throw new Error(`duplicate attribute ${a[1]}`);
      attrs[a[1]!] = decode(a[2]!);
    }
    const node: XmlNode = { name: m[1]!, attrs, children: [], text: '' };
    top.children.push(node);
    if (m[3] !== '/') stack.push(node);
    i += m[0].length;
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack.at(-1)!.name}>`);
  if (root.children.length !== 1) throw new Error('more than one root element');
  return root.children[0]!;
}

const all = (n: XmlNode, name: string): XmlNode[] => [...(n.name === name ? [n] : []), ...n.children.flatMap((c) => all(c, name))];

describe('renderJunit', () => {
  it('is checked by a parser that does reject broken XML', () => {
    expect(() => parseXml('<?xml version="1.0"?><a><b></a>')).toThrow(/mismatched/);
    expect(() => parseXml('<?xml version="1.0"?><a x="1 & 2"/>')).toThrow(/bare &/);
    expect(() => parseXml('<?xml version="1.0"?><a>1 < 2</a>')).toThrow(/bad tag/);
  });

  it('is well-formed, one testsuite per variant and one testcase per threshold', () => {
    const doc = parseXml(renderJunit(fixtureRunResult()));
    expect(doc.name).toBe('testsuites');
    expect(doc.attrs).toMatchObject({ tests: '6', failures: '3', errors: '0' });
    const suites = all(doc, 'testsuite');
    expect(suites.map((s) => s.attrs['name'])).toEqual(['thundering-herd · no-jitter', 'thundering-herd · full-jitter']);
    expect(suites.map((s) => all(s, 'testcase').map((t) => t.attrs['name']))).toEqual([
      ['lost == 0', 'p99 < 250', 'recoverySeconds <= 30'],
      ['lost == 0', 'p99 < 250', 'recoverySeconds <= 30'],
    ]);
    expect(suites[0]!.attrs).toMatchObject({ tests: '3', failures: '3', time: '90.000' });
  });

  it('gives each failed threshold a failure with value vs limit', () => {
    const doc = parseXml(renderJunit(fixtureRunResult()));
    const failures = all(doc, 'failure');
    expect(failures.map((f) => f.attrs['message'])).toEqual([
      'lost == 0: value 3 vs limit 0',
      'p99 < 250: value 412 vs limit 250',
      'recoverySeconds <= 30: value 34 vs limit 30',
    ]);
    const [noJitter, fullJitter] = all(doc, 'testsuite');
    expect(all(fullJitter!, 'failure')).toHaveLength(0);
    expect(all(fullJitter!, 'testcase').every((t) => t.children.length === 0)).toBe(true);
    expect(all(noJitter!, 'property').find((p) => p.attrs['name'] === 'param.backoff')?.attrs['value']).toBe('none');
  });

  it('reports a run that could not be done as one errored testcase, with its text escaped', () => {
    const r = { ...fixtureRunResult(), ok: false, error: 'Kafka <broker> said "no" & left\u0007', variants: [] };
    const doc = parseXml(renderJunit(r));
    expect(doc.attrs).toMatchObject({ tests: '1', failures: '0', errors: '1' });
    const errors = all(doc, 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.attrs['message']).toBe('Kafka <broker> said "no" & left');
    expect(all(doc, 'testcase')[0]!.attrs['name']).toBe('run');
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The repo stands on its own: no comment or doc names a document it does not hold (the design
 * is docs/architecture.md, the contract docs/protocol.md), no text cites a tracker's issue
 * numbers a reader of the repo cannot open, and every repo path named in the text exists
 * (markdown links and their #anchors included).
 */
const root = path.resolve(import.meta.dirname, '../..');
const SELF = path.relative(root, import.meta.filename);
const SCANNED = ['src', 'scenarios', 'bench', 'test', 'docs', 'README.md', 'vitest.config.ts'];
/** Text we write; generated reports (.html) and images are not scanned. */
const TEXT = /\.(ts|tsx|md|txt|json|ya?ml)$/;

// spelled in pieces so that this file does not contain what it looks for
const OUTSIDE_DOCS = new RegExp(`\\.\\./${'shared'}\\b`);
/** `NOTES.md`: a document named without a path, that no folder of the repo holds. */
const BARE_DOC = /(?<![\w/.-])[A-Z][A-Z0-9_-]*\.md\b/g;
/** The numbered conventions of a design document the repo does not hold. */
const NUMBERED = new RegExp(`\\b${'convention'}s? \\d+\\b|§ ?${'Conventions'}`, 'i');
/** `issue 12`, `issues 3 and 11`, `issue-12`, `#14` (a GitHub URL's `/issues/1556` is a link anyone can open). */
const TRACKER = new RegExp(`\\b${'issue'}s?[ -]#?\\d+\\b|(?:^|[\\s(\\[,;])${'#'}\\d{1,5}\\b(?![0-9a-fA-F])`, 'i');
/** A path from the repo root: src/…, docs/…, scenarios/…, bench/…, test/… (not inside dist/… or a URL). */
const REPO_PATH = /(?<![\w./@-])(?:src|docs|scenarios|bench|test)\/[\w./-]*/g;
/** Left out: a pattern (`results/cold-path-<date>.txt`, `src/**`, `${dir}`) rather than a path. */
const PATTERN_NEXT = /^[<*${…[]/;
const MD_LINK = /\]\(([^)\s]+)\)/g;
/** Files a test writes on request rather than reads. */
const OUTPUTS = new Set(['docs/report-fixture-screenshot.png']);

interface Finding {
  file: string;
  line: number;
  what: string;
}

/** Every markdown file's name in the repo, wherever it sits. */
const MD_NAMES = new Set(mdNames(root));
function mdNames(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.isDirectory()) return ['node_modules', 'dist', '.git'].includes(e.name) ? [] : mdNames(path.join(dir, e.name));
    return e.name.endsWith('.md') ? [e.name] : [];
  });
}

function walk(rel: string): string[] {
  const abs = path.join(root, rel);
  if (!fs.existsSync(abs)) return [];
  if (fs.statSync(abs).isFile()) return TEXT.test(rel) ? [rel] : [];
  return fs.readdirSync(abs, { withFileTypes: true }).flatMap((e) => (e.name === 'node_modules' ? [] : walk(path.join(rel, e.name))));
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchorsOf(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const m of markdown.matchAll(/^#{1,6}\s+(.+?)\s*$/gm)) {
    out.add(m[1]!.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-'));
  }
  return out;
}

function pathExists(rel: string): boolean {
  const abs = path.join(root, rel);
  if (fs.existsSync(abs)) return true;
  // a compiled name for a source file (main.js for main.ts)
  return /\.js$/.test(rel) && ['.ts', '.tsx'].some((ext) => fs.existsSync(abs.replace(/\.js$/, ext)));
}

function anchorMissing(targetRel: string, anchor: string): boolean {
  if (!anchor || !/\.md$/.test(targetRel) || !fs.existsSync(path.join(root, targetRel))) return false;
  return !anchorsOf(fs.readFileSync(path.join(root, targetRel), 'utf8')).has(anchor);
}

/** Whether the block comment that line `end` closes is a doc comment (opened with two stars). */
function docStartsAt(lines: string[], end: number): boolean {
  for (let i = end; i >= 0; i--) {
    const open = lines[i]!.lastIndexOf('/*');
    if (open >= 0) return lines[i]!.startsWith('/**', open);
  }
  return false;
}

/** What is wrong with one file's text, line by line (`file` is its path from the repo root). */
function scanText(file: string, text: string): Finding[] {
  const findings: Finding[] = [];
  const lines = text.split('\n');
  lines.forEach((content, i) => {
    const at = (what: string) => findings.push({ file, line: i + 1, what });
    const outside = OUTSIDE_DOCS.exec(content);
    if (outside) at(`names ${outside[0]}, which the repo does not hold (docs/architecture.md, docs/protocol.md)`);
    for (const m of content.matchAll(BARE_DOC)) {
      if (!MD_NAMES.has(m[0])) at(`names ${m[0]}, which the repo does not hold (docs/architecture.md, docs/protocol.md)`);
    }
    const numbered = NUMBERED.exec(content);
    if (numbered) at(`cites ${numbered[0]} of a document the repo does not hold (docs/architecture.md#conventions)`);
    const tracker = TRACKER.exec(content);
    if (tracker) at(`cites the tracker (${tracker[0].trim()}): say what and why instead`);
    for (const m of content.matchAll(REPO_PATH)) {
      if (PATTERN_NEXT.test(content.slice(m.index + m[0].length))) continue;
      const rel = m[0].replace(/[./-]+$/, '');
      if (OUTPUTS.has(rel)) continue;
      if (!pathExists(rel)) at(`names ${rel}, which does not exist`);
      const anchor = /^#([\w-]+)/.exec(content.slice(m.index + m[0].length))?.[1];
      if (anchor && anchorMissing(rel, anchor)) at(`links ${rel}#${anchor}, a heading that does not exist`);
    }
    // a doc comment right above another one documents nothing: it slid off its declaration
    if (/\.tsx?$/.test(file) && /\*\/\s*$/.test(content) && /^\s*\/\*\*/.test(lines[i + 1] ?? '') && docStartsAt(lines, i)) {
      at('a doc comment sits right above another one: it slid off its declaration');
    }
    if (!file.endsWith('.md')) return;
    for (const m of content.matchAll(MD_LINK)) {
      const target = m[1]!;
      if (/^[a-z]+:/i.test(target)) continue;
      const [p, anchor = ''] = target.split('#') as [string, string?];
      const rel = p ? path.normalize(path.join(path.dirname(file), p)) : file;
      if (p && !fs.existsSync(path.join(root, rel))) at(`links ${p}, which does not exist`);
      else if (anchorMissing(rel, anchor)) at(`links ${target}, a heading that does not exist`);
    }
  });
  return findings;
}

describe('the repo stands on its own', () => {
  const files = SCANNED.flatMap(walk).filter((f) => f !== SELF);

  it('scans the tree', () => {
    expect(files.length).toBeGreaterThan(300);
    expect(files).toContain('docs/architecture.md');
  });

  it('names no outside document, no tracker issue and no path that does not exist', () => {
    const findings = files.flatMap((f) => scanText(f, fs.readFileSync(path.join(root, f), 'utf8')));
    expect(findings.map((f) => `${f.file}:${f.line}: ${f.what}`)).toEqual([]);
  });
});

describe('scanText', () => {
  const whats = (text: string, file = 'src/x.ts') => scanText(file, text).map((f) => f.what);

  it('finds documents outside the repo, tracker numbers and missing paths', () => {
    expect(whats(`// see ${'DESIGN'}.md §Measuring`)).toHaveLength(1);
    expect(whats(`// as ${'PROTOCOL'}.md says`)).toHaveLength(1);
    expect(whats(`// read ../${'shared'}/notes`)).toHaveLength(1);
    expect(whats('// the layout of NOTES.md')).toEqual(['names NOTES.md, which the repo does not hold (docs/architecture.md, docs/protocol.md)']);
    expect(whats(`// injected (${'convention'} 3)`)).toHaveLength(1);
    expect(whats(`// measured for ${'issue'} 11`)).toHaveLength(1);
    expect(whats(`it('the ${'issue'}-12 run', ...)`)).toHaveLength(1);
    expect(whats(`// fixed in (${'#'}42)`)).toHaveLength(1);
    expect(whats('// see src/gateway/nowhere.ts')).toEqual(['names src/gateway/nowhere.ts, which does not exist']);
    expect(whats('// see docs/architecture.md#no-such-section')).toEqual(['links docs/architecture.md#no-such-section, a heading that does not exist']);
    expect(whats('[x](protocol.md#nothing-here)', 'docs/y.md')).toEqual(['links protocol.md#nothing-here, a heading that does not exist']);
    expect(whats('/** the class */\n/** a constant */\nconst A = 1;')).toEqual(['a doc comment sits right above another one: it slid off its declaration']);
  });

  it('lets through what a reader can open or what is not a path', () => {
    expect(whats('// see src/gateway/membership-routing.ts and docs/architecture.md#hot-path')).toEqual([]);
    expect(whats('// node dist/src/workers/persist/main.js; bench/results/cold-path-<date>.txt')).toEqual([]);
    expect(whats('// https://github.com/tulios/kafkajs/issues/1556, colour #111827, 10k ids')).toEqual([]);
    expect(whats('[contract](protocol.md#member-changes) and [bench](../bench/README.md)', 'docs/y.md')).toEqual([]);
    expect(whats('// see README.md and bench/README.md')).toEqual([]);
    expect(whats('/** a constant */\nconst A = 1;\n/** the class */\nclass B {}')).toEqual([]);
  });
});

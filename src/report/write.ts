import fs from 'node:fs/promises';
import path from 'node:path';
import type { RunResult } from '../scenario/index.js';
import { renderHtml } from './html.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';

export interface ReportFiles {
  json: string;
  markdown: string;
  html: string;
  junit: string;
}

/** Writes report.json, report.md, report.html and junit.xml into `dir` (created if needed). */
export async function writeReport(result: RunResult, dir: string): Promise<ReportFiles> {
  await fs.mkdir(dir, { recursive: true });
  const files: ReportFiles = {
    json: path.join(dir, 'report.json'),
    markdown: path.join(dir, 'report.md'),
    html: path.join(dir, 'report.html'),
    junit: path.join(dir, 'junit.xml'),
  };
  // Render everything first: a renderer bug then leaves no half-written run folder behind.
  const contents: Array<[string, string]> = [
    [files.json, `${JSON.stringify(result, null, 2)}\n`],
    [files.markdown, renderMarkdown(result)],
    [files.html, renderHtml(result)],
    [files.junit, renderJunit(result)],
  ];
  await Promise.all(contents.map(([file, text]) => fs.writeFile(file, text, 'utf8')));
  return files;
}

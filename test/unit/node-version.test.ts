import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

describe('engines stays honest', () => {
  it('the unit tier runs on the Node .ci/run asked for (CHATLAB_EXPECT_NODE_MAJOR), and package.json engines admits it', () => {
    const want = process.env['CHATLAB_EXPECT_NODE_MAJOR'];
    const major = Number(process.versions.node.split('.')[0]);
    if (want) expect(major).toBe(Number(want));
    const engines = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).engines.node as string;
    const [minMajor, minMinor] = /^>=(\d+)\.(\d+)/.exec(engines)!.slice(1).map(Number) as [number, number];
    const minor = Number(process.versions.node.split('.')[1]);
    expect(major > minMajor || (major === minMajor && minor >= minMinor)).toBe(true);
  });
});

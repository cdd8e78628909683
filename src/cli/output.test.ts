import { describe, expect, it } from 'vitest';
import { colorEnabled } from './output.js';

const tty = { isTTY: true } as NodeJS.WriteStream;
const pipe = { isTTY: false } as NodeJS.WriteStream;

describe('terminal manners', () => {
  it('colours only a TTY', () => {
    expect(colorEnabled(tty, {})).toBe(true);
    expect(colorEnabled(pipe, {})).toBe(false);
  });
  it('respects NO_COLOR and TERM=dumb, and FORCE_COLOR wins', () => {
    expect(colorEnabled(tty, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled(tty, { TERM: 'dumb' })).toBe(false);
    expect(colorEnabled(pipe, { FORCE_COLOR: '1' })).toBe(true);
  });
});

describe('unreachable endpoints: one line, not a dump', () => {
  it('cuts a driver error with a stack and an object dump to its first line, brackets closed', async () => {
    const { oneLine } = await import('./output.js');
    const dump = 'timed out after 30s waiting for CQL on 127.0.0.1:3 (last attempt: All host(s) tried. 127.0.0.1:3: Error: connect ECONNREFUSED 127.0.0.1:3\n    at TCPConnectWrap.afterConnect (node:net:1611:16) {\n  errno: -111,\n  port: 3\n}. See innerErrors.)';
    expect(oneLine(dump)).toBe('timed out after 30s waiting for CQL on 127.0.0.1:3 (last attempt: All host(s) tried. 127.0.0.1:3: Error: connect ECONNREFUSED 127.0.0.1:3)');
    expect(oneLine('plain')).toBe('plain');
  });
});

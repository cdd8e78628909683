import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { upgradeProblem } from './upgrade-check.js';

const req = (headers: Record<string, string>, method = 'GET') => ({ method, headers }) as unknown as IncomingMessage;
const good = { upgrade: 'websocket', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' };

describe('upgradeProblem', () => {
  it('accepts what ws accepts', () => {
    expect(upgradeProblem(req(good))).toBeNull();
    expect(upgradeProblem(req({ ...good, upgrade: 'WebSocket' }))).toBeNull();
  });
  it('names what ws would refuse', () => {
    expect(upgradeProblem(req({ ...good, 'sec-websocket-key': 'short' }))).toMatch(/Key/);
    expect(upgradeProblem(req({ ...good, 'sec-websocket-version': '7' }))).toMatch(/Version/);
    expect(upgradeProblem(req({ ...good, upgrade: 'h2c' }))).toMatch(/Upgrade/);
    expect(upgradeProblem(req(good, 'POST'))).toMatch(/GET/);
  });
});

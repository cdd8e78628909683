import { describe, expect, it } from 'vitest';
import { capacityWarning, clientRoom, openFiles } from './open-files.js';

const gw = (name: string, open: number, connections: number, limit = 20_000) => ({ name, open, limit, connections });

describe('what the surviving gateways can hold under their open-files limit', () => {
  it('is the limit less what each needs besides its clients', () => {
    expect(clientRoom(gw('gateway-2', 10_025, 10_000))).toBe(19_975);
    expect(clientRoom(gw('gateway-2', 25, 0, 10))).toBe(0);
  });

  it('says up front when the survivors cannot hold every client, and what that leaves', () => {
    // 20,000 clients over two gateways, one killed: the survivor needs 25 descriptors of its own
    expect(capacityWarning([gw('gateway-2', 10_025, 10_000)], 20_000, 'gateway-1', 10)).toBe(
      'the 1 surviving gateway(s) can hold 19975 of 20000 clients under their open-files limit (20000 each, 25 in use besides clients): 25 have no room; they can come back only once gateway-1 restarts (after 10 s)',
    );
    // 50,000 over three, one killed
    expect(capacityWarning([gw('gateway-2', 16_700, 16_667), gw('gateway-3', 16_700, 16_667)], 50_000, 'gateway-1', 0)).toMatch(/hold 39934 of 50000 .* 10066 have no room; they cannot come back within the window/);
    expect(capacityWarning([gw('gateway-2', 225, 200)], 400, 'gateway-1', 10)).toBeNull();
  });

  it('reads this process\'s own descriptors and limit from /proc', () => {
    const f = openFiles(process.pid);
    if (process.platform !== 'linux') return expect(f).toBeNull();
    expect(f!.open).toBeGreaterThan(2);
    expect(f!.limit).toBeGreaterThanOrEqual(f!.open);
    expect(openFiles(2 ** 22 + 1)).toBeNull();
  });
});

import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { assertBindable, ephemeralPortRange, freePort, listenPortRanges } from './ports.js';

describe('listener ports stay outside the ephemeral range', () => {
  it("reads the kernel's range, with the IANA range when it cannot", () => {
    expect(ephemeralPortRange(() => '32768\t60999\n')).toEqual({ low: 32768, high: 60999 });
    expect(ephemeralPortRange(() => 'nonsense')).toEqual({ low: 49152, high: 65535 });
    expect(
      ephemeralPortRange(() => {
        throw new Error('ENOENT');
      }),
    ).toEqual({ low: 49152, high: 65535 });
  });

  it('listeners get the ports on either side of it, above 10000', () => {
    expect(listenPortRanges({ low: 32768, high: 60999 })).toEqual([
      { low: 10000, high: 32767 },
      { low: 61000, high: 65535 },
    ]);
    expect(() => listenPortRanges({ low: 1, high: 65535 })).toThrow(/leaves no port/);
  });

  it('a free port is never in the range, even when the random pick lands at its edges', async () => {
    const range = { low: 32768, high: 60999 };
    const ranges = listenPortRanges(range);
    for (const r of [0, 0.5, 0.87, 0.9999, Math.random()]) {
      const port = await freePort('127.0.0.1', () => r, ranges);
      expect(port < range.low || port > range.high).toBe(true);
    }
    // this machine's own range, as services get it
    const kernel = ephemeralPortRange();
    for (let i = 0; i < 20; i++) {
      const port = await freePort();
      expect(port < kernel.low || port > kernel.high).toBe(true);
    }
  });

  it('a port something else holds: one line naming the component, the address and the reason', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    await expect(assertBindable('gateway-1', '127.0.0.1', port)).rejects.toThrow(`gateway-1 cannot listen on 127.0.0.1:${port}: the address is in use (EADDRINUSE)`);
    server.close();
  });
});

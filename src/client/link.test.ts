import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { openLink, type LinkEvents } from './link.js';

const servers: Array<{ close(cb?: () => void): unknown }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

function listen<S extends net.Server>(server: S): Promise<string> {
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`)));
}

function recorder() {
  const seen: string[] = [];
  let closed!: (code: number) => void;
  const closedWith = new Promise<number>((r) => (closed = r));
  const ev: LinkEvents = { open: () => seen.push('open'), frame: (f) => seen.push(f.type), close: (code) => (seen.push(`close ${code}`), closed(code)) };
  return { seen, ev, closedWith };
}

describe('the WebSocket link', () => {
  it('fails an attempt whose handshake is never answered, once, after the handshake timeout', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s)); // accepts, never answers
    const base = await listen(silent);
    const { seen, ev, closedWith } = recorder();
    const t0 = Date.now();
    openLink('ws', { base, token: 't', handshakeTimeoutMs: 300 }, ev);
    expect(await closedWith).toBe(1006);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    await new Promise((r) => setTimeout(r, 400));
    expect(seen).toEqual(['close 1006']);
    sockets.forEach((s) => s.destroy());
  });

  it('keeps a link whose handshake was answered open past the handshake timeout', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    servers.push(wss);
    await new Promise((r) => wss.once('listening', r));
    wss.on('connection', (s) => s.send(JSON.stringify({ type: 'hello' })));
    const { seen, ev } = recorder();
    const link = openLink('ws', { base: `http://127.0.0.1:${(wss.address() as net.AddressInfo).port}`, token: 't', handshakeTimeoutMs: 200 }, ev);
    await new Promise((r) => setTimeout(r, 500));
    expect(seen).toEqual(['open', 'hello']);
    expect(link.open).toBe(true);
    link.close();
  });
});

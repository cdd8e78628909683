import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import { LeanWebSocket, upgradeAccepted, type LeanSocketEvents } from './lean-websocket.js';

// The peer is `ws`'s server, as the gateways run it: the lean client must speak RFC 6455 to it.
const servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    for (const c of s.clients) c.terminate();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

async function server(o: ConstructorParameters<typeof WebSocketServer>[0] = {}): Promise<{ url: string; wss: WebSocketServer; connection: Promise<ServerSocket> }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', ...o });
  servers.push(wss);
  await new Promise((r) => wss.once('listening', r));
  const connection = new Promise<ServerSocket>((r) => wss.once('connection', r));
  return { url: `ws://127.0.0.1:${(wss.address() as net.AddressInfo).port}/v1/ws`, wss, connection };
}

function client(url: string, o: ConstructorParameters<typeof LeanWebSocket>[2] = {}) {
  const texts: string[] = [];
  const seen: string[] = [];
  let closed!: (code: number) => void;
  const closedWith = new Promise<number>((r) => (closed = r));
  let opened!: () => void;
  const open = new Promise<void>((r) => (opened = r));
  const ev: LeanSocketEvents = {
    onOpen: () => (seen.push('open'), opened()),
    onText: (d) => texts.push(d.toString()),
    onClose: (code) => (seen.push(`close ${code}`), closed(code)),
  };
  const ws = new LeanWebSocket(url, ev, o);
  return { ws, texts, seen, open, closedWith };
}

const until = async (cond: () => boolean, ms = 5000) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
};

/** A server, a client connected to it, and the server's side of that connection, both open. */
async function connected(o: ConstructorParameters<typeof LeanWebSocket>[2] = {}) {
  const { url, connection } = await server();
  const c = client(url, o);
  const peer = await connection;
  await c.open;
  return { c, peer };
}

describe('the lean WebSocket client against ws’s server', () => {
  it('sends and receives text of every length encoding (7-bit, 16-bit, 64-bit), UTF-8 intact', async () => {
    const { c, peer } = await connected({ headers: { authorization: 'Bearer t' } });
    const got: string[] = [];
    peer.on('message', (d, isBinary) => {
      expect(isBinary).toBe(false);
      got.push(d.toString());
      peer.send(d.toString());
    });
    const bodies = ['hi', '数据库'.repeat(40), 'x'.repeat(125), 'y'.repeat(126), 'z'.repeat(65_535), '分布式'.repeat(30_000)];
    for (const b of bodies) c.ws.send(b);
    await until(() => c.texts.length === bodies.length);
    expect(got).toEqual(bodies);
    expect(c.texts).toEqual(bodies);
  });

  it('hands on every frame of a burst in order, whole frames split across reads and many in one read', async () => {
    const { c, peer } = await connected();
    const sent = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ type: 'message', n: i, body: 'b'.repeat(i % 700) }));
    for (const s of sent) peer.send(s);
    await until(() => c.texts.length === sent.length);
    expect(c.texts).toEqual(sent);
  });

  it('joins a fragmented message into one', async () => {
    const { c, peer } = await connected();
    peer.send('one ', { fin: false });
    peer.send('two ', { fin: false });
    peer.send('three', { fin: true });
    peer.send('after');
    await until(() => c.texts.length === 2);
    expect(c.texts).toEqual(['one two three', 'after']);
  });

  it('answers a ping with a pong carrying its payload', async () => {
    const { c, peer } = await connected();
    const pong = new Promise<string>((r) => peer.once('pong', (d) => r(d.toString())));
    peer.ping('are-you-there');
    expect(await pong).toBe('are-you-there');
  });

  it('reports the server’s close code once (4000 idle), and its own clean close as 1000', async () => {
    const { c, peer } = await connected();
    peer.close(4000, 'idle');
    expect(await c.closedWith).toBe(4000);
    expect(c.ws.open).toBe(false);

    const { c: d, peer: peer2 } = await connected();
    const serverSaw = new Promise<number>((r) => peer2.once('close', (code) => r(code)));
    d.ws.close(1000);
    expect(await serverSaw).toBe(1000);
    expect(await d.closedWith).toBe(1000);
    await new Promise((r) => setTimeout(r, 50));
    expect(c.seen).toEqual(['open', 'close 4000']);
    expect(d.seen).toEqual(['open', 'close 1000']);
  });

  it('reports 1006 when the connection drops without a close frame, and when it terminates itself', async () => {
    const { c, peer } = await connected();
    peer.terminate();
    expect(await c.closedWith).toBe(1006);

    const { c: d, peer: peer2 } = await connected();
    const serverSaw = new Promise<number>((r) => peer2.once('close', (code) => r(code)));
    d.ws.terminate();
    expect(await d.closedWith).toBe(1006);
    expect(await serverSaw).toBe(1006);
  });

  it('fails a refused handshake (401) with 1006 and never opens; a send before it opens is dropped, not thrown', async () => {
    const { url } = await server({ verifyClient: (_info, cb) => cb(false, 401, 'no token') });
    const c = client(url);
    c.ws.send('too early');
    expect(await c.closedWith).toBe(1006);
    expect(c.seen).toEqual(['close 1006']);
  });

  it('sends the headers it is given with the upgrade', async () => {
    const { url, wss } = await server();
    const auth = new Promise<string | undefined>((r) => wss.once('connection', (_s, req) => r(req.headers.authorization)));
    const c = client(url, { headers: { authorization: 'Bearer abc' } });
    await c.open;
    expect(await auth).toBe('Bearer abc');
  });

  it('opens on an answer that arrives a byte at a time, with a first frame right behind it', async () => {
    const srv = net.createServer((socket) => {
      socket.once('data', (d) => {
        const key = /sec-websocket-key: (\S+)/i.exec(d.toString())![1];
        const accept = crypto.createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
        const answer = Buffer.concat([Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`), Buffer.from([0x81, 2]), Buffer.from('hi')]);
        let i = 0;
        const drip = setInterval(() => (i < answer.length ? socket.write(answer.subarray(i, ++i)) : clearInterval(drip)), 1);
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const c = client(`ws://127.0.0.1:${(srv.address() as net.AddressInfo).port}/v1/ws`);
    await c.open;
    await until(() => c.texts.length > 0);
    expect(c.texts).toEqual(['hi']);
    c.ws.terminate();
    await new Promise<void>((r) => srv.close(() => r()));
  });

  it('keeps no HTTP request in flight while it waits for the answer: only the socket (a herd has thousands waiting)', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const c = client(`ws://127.0.0.1:${(silent.address() as net.AddressInfo).port}/v1/ws`);
    await until(() => sockets.length > 0);
    expect(Object.keys(http.globalAgent.sockets)).toEqual([]);
    c.ws.terminate();
    expect(await c.closedWith).toBe(1006);
    sockets.forEach((s) => s.destroy());
    await new Promise<void>((r) => silent.close(() => r()));
  });
});

describe('the answer that opens a WebSocket', () => {
  const key = 'dGhlIHNhbXBsZSBub25jZQ==';
  // RFC 6455 1.3's example: that key's accept value
  const accept = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';
  it('is 101 with Sec-WebSocket-Accept the hash of our key, whatever the header case', () => {
    expect(upgradeAccepted(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nsec-websocket-accept: ${accept}`, key)).toBe(true);
    expect(upgradeAccepted(`HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept:  ${accept} \r\nX: y`, key)).toBe(true);
  });
  it('is nothing else: another status, a wrong or missing key', () => {
    expect(upgradeAccepted(`HTTP/1.1 503 Service Unavailable\r\nSec-WebSocket-Accept: ${accept}`, key)).toBe(false);
    expect(upgradeAccepted(`HTTP/1.1 1010 Odd\r\nSec-WebSocket-Accept: ${accept}`, key)).toBe(false);
    expect(upgradeAccepted('HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: AAAA', key)).toBe(false);
    expect(upgradeAccepted('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket', key)).toBe(false);
  });
});

import crypto from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LeanWebSocket } from './lean-websocket.js';

// A server that writes whatever bytes a test gives it (ws's server refuses to send most of
// these frames): what the lean client does with a peer that breaks RFC 6455.
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const servers: http.Server[] = [];
const upgraded: net.Socket[] = [];
afterEach(async () => {
  for (const s of upgraded.splice(0)) s.destroy();
  for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
});

interface ClientFrame {
  opcode: number;
  payload: Buffer;
}

/** The server's side of one upgraded connection: raw writes, and the client's frames unmasked as they come. */
interface RawPeer {
  socket: net.Socket;
  frames: ClientFrame[];
}

async function rawServer(): Promise<{ url: string; peer: Promise<RawPeer> }> {
  const srv = http.createServer();
  servers.push(srv);
  const peer = new Promise<RawPeer>((resolve) =>
    srv.on('upgrade', (req, socket: net.Socket) => {
      const accept = crypto.createHash('sha1').update(`${req.headers['sec-websocket-key']}${GUID}`).digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      upgraded.push(socket);
      const p: RawPeer = { socket, frames: [] };
      let buf = Buffer.alloc(0);
      socket.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        for (;;) {
          if (buf.length < 2) return;
          let n = buf[1]! & 0x7f;
          let h = 2;
          if (n === 126) [n, h] = [buf.readUInt16BE(2), 4];
          else if (n === 127) [n, h] = [Number(buf.readBigUInt64BE(2)), 10];
          if (buf.length < h + 4 + n) return;
          const key = buf.subarray(h, h + 4);
          const payload = Buffer.from(buf.subarray(h + 4, h + 4 + n)).map((b, i) => b ^ key[i & 3]!);
          p.frames.push({ opcode: buf[0]! & 0x0f, payload: Buffer.from(payload) });
          buf = buf.subarray(h + 4 + n);
        }
      });
      socket.on('error', () => {});
      resolve(p);
    }),
  );
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `ws://127.0.0.1:${(srv.address() as net.AddressInfo).port}/v1/ws`, peer };
}

/** A server frame (never masked): FIN, opcode, length in the shortest encoding unless `len126` forces 16 bits. */
function frame(opcode: number, payload: Buffer | string, fin = true): Buffer {
  const p = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const n = p.length;
  const head = n < 126 ? Buffer.from([(fin ? 0x80 : 0) | opcode, n]) : n < 65_536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (n >= 126) {
    head[0] = (fin ? 0x80 : 0) | opcode;
    head[1] = n < 65_536 ? 126 : 127;
    if (n < 65_536) head.writeUInt16BE(n, 2);
    else head.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([head, p]);
}

const closeFrame = (code: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(code);
  return frame(0x8, b);
};

async function connected(o: ConstructorParameters<typeof LeanWebSocket>[2] = {}) {
  const { url, peer } = await rawServer();
  const texts: Buffer[] = [];
  const closes: number[] = [];
  let opened!: () => void;
  const open = new Promise<void>((r) => (opened = r));
  let closed!: (code: number) => void;
  const closedWith = new Promise<number>((r) => (closed = r));
  const ws = new LeanWebSocket(url, { onOpen: () => opened(), onText: (d) => texts.push(Buffer.from(d)), onClose: (c) => (closes.push(c), closed(c)) }, o);
  const p = await peer;
  await open;
  return { ws, p, texts, closes, closedWith };
}

/** The close code of the first close frame the client sent, once the server has read it (undefined: none within a second). */
async function closeSent(p: RawPeer): Promise<number | undefined> {
  const first = () => p.frames.find((f) => f.opcode === 0x8);
  for (let i = 0; i < 40 && !first(); i++) await tick(25);
  return first()?.payload.readUInt16BE(0);
}

const within = <T>(promise: Promise<T>, ms: number) => Promise.race([promise, new Promise<'timeout'>((r) => setTimeout(r, ms, 'timeout'))]);
const tick = (ms = 50) => new Promise((r) => setTimeout(r, ms));

describe('the lean WebSocket client refuses what RFC 6455 forbids', () => {
  it('fails a fragmented message as soon as its parts pass the limit, without waiting for the final one (1009)', async () => {
    const { p, texts, closedWith } = await connected({ maxPayload: 1000 });
    p.socket.write(frame(0x1, 'a'.repeat(600), false));
    p.socket.write(frame(0x0, 'b'.repeat(600), false));
    expect(await within(closedWith, 2000)).toBe(1006);
    expect(await closeSent(p)).toBe(1009);
    expect(texts).toEqual([]);
  });

  it('refuses a ping over 125 bytes (1002) instead of answering it with a broken pong', async () => {
    const { p, closedWith } = await connected();
    p.socket.write(frame(0x9, 'p'.repeat(126)));
    expect(await within(closedWith, 2000)).toBe(1006);
    expect(await closeSent(p)).toBe(1002);
    expect(p.frames.map((f) => f.opcode)).toEqual([0x8]);
  });

  it('answers a ping of exactly 125 bytes with a pong carrying it', async () => {
    const { p } = await connected();
    p.socket.write(frame(0x9, 'q'.repeat(125)));
    for (let i = 0; i < 40 && p.frames.length === 0; i++) await tick(25);
    expect(p.frames).toEqual([{ opcode: 0xa, payload: Buffer.from('q'.repeat(125)) }]);
  });

  it('refuses a fragmented control frame and a close frame over 125 bytes (1002)', async () => {
    const a = await connected();
    a.p.socket.write(frame(0x9, 'ping', false));
    expect(await within(a.closedWith, 2000)).toBe(1006);
    expect(await closeSent(a.p)).toBe(1002);
    expect(a.p.frames.map((f) => f.opcode)).toEqual([0x8]);

    const b = await connected();
    const big = Buffer.alloc(200, 0x61);
    big.writeUInt16BE(4000, 0);
    b.p.socket.write(frame(0x8, big));
    expect(await within(b.closedWith, 2000)).toBe(1006);
    expect(await closeSent(b.p)).toBe(1002);
  });

  it('refuses text that is not UTF-8 (1007) and hands none of it on; UTF-8 split across fragments is fine', async () => {
    const ok = await connected();
    const word = Buffer.from('数据');
    ok.p.socket.write(Buffer.concat([frame(0x1, word.subarray(0, 2), false), frame(0x0, word.subarray(2), true)]));
    for (let i = 0; i < 40 && ok.texts.length === 0; i++) await tick(25);
    expect(ok.texts.map((t) => t.toString())).toEqual(['数据']);

    const bad = await connected();
    bad.p.socket.write(frame(0x1, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])));
    expect(await within(bad.closedWith, 2000)).toBe(1006);
    expect(await closeSent(bad.p)).toBe(1007);
    expect(bad.texts).toEqual([]);
  });

  it('stops reading after a protocol failure: a close frame behind it does not replace 1006', async () => {
    const { p, texts, closes, closedWith } = await connected();
    p.socket.write(Buffer.concat([frame(0x3, 'reserved opcode'), frame(0x1, 'after'), closeFrame(4000)]));
    expect(await within(closedWith, 2000)).toBe(1006);
    await tick();
    expect(closes).toEqual([1006]);
    expect(texts).toEqual([]);
    expect(await closeSent(p)).toBe(1002);
  });
});

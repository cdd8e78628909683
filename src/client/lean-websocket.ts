/**
 * The client side of RFC 6455, as little as a simulated phone needs: the handshake, text
 * frames (fragmented or not), ping → pong, the closing handshake, masking. No extensions.
 * What the RFC forbids a server to send fails the connection (a close frame with the reason,
 * then reported 1006, nothing after it read): a message over the limit, counted as its
 * fragments arrive (1009); a control frame over 125 bytes or fragmented (1002); text that is
 * not UTF-8 (1007).
 *
 * Why not `ws`'s client: a load worker holds 10,000 of these, and per connection `ws` keeps a
 * WebSocket, a Receiver (a Writable stream with its state) and a Sender beside the socket:
 * measured on Node 20 (5,000 held connections, one process), 3.06 KB of heap per connection
 * with `ws` vs 1.62 KB with a bare upgraded socket. The gateways keep `ws`.
 *
 * The handshake is written and read on the TCP socket itself, not through `http.request`: a
 * request in flight keeps a ClientRequest, an HTTP parser and an IncomingMessage beside the
 * socket, and a herd of reconnects has thousands in flight at once (bench/README.md,
 * "Load-worker memory").
 */
import { isUtf8 } from 'node:buffer';
import crypto from 'node:crypto';
import net, { type Socket } from 'node:net';

/** What a socket tells its owner; `onClose` comes once, after `onOpen` or instead of it. */
export interface LeanSocketEvents {
  onOpen(): void;
  /** One whole text message (its payload bytes, UTF-8 as the server sent it). */
  onText(data: Buffer): void;
  /** The code of the server's close frame (1005 when it had none), 1006 when the TCP connection ended without one. */
  onClose(code: number): void;
}

export interface LeanSocketOptions {
  headers?: Record<string, string>;
  localAddress?: string;
  /** A handshake not answered within this fails the attempt (close 1006). */
  handshakeTimeoutMs?: number;
  /** Called with the TCP socket once it exists (wire metering). */
  onSocket?(socket: Socket): void;
  /** A message larger than this closes the connection (1009); 64 MiB by default. */
  maxPayload?: number;
}

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;
/** A protocol failure: nothing more is read, the TCP close is on its way (reported 1006). */
const FAILED = 4;
/** RFC 6455 5.5: a control frame carries at most this much, and is never fragmented. */
const MAX_CONTROL_PAYLOAD = 125;
/** How long a close we sent waits for the server's before the socket is destroyed (ws waits 30 s too). */
const CLOSE_TIMEOUT_MS = 30_000;

export class LeanWebSocket {
  private state = CONNECTING;
  private readonly socket: Socket;
  /** The handshake's key until the server answered it, then null. */
  private key: string | null;
  private timer: NodeJS.Timeout | undefined;
  /** Bytes of a frame not whole yet, and how many the frame needs. */
  private partial: Buffer[] | null = null;
  private partialLength = 0;
  private need = 0;
  /** A fragmented message's parts so far, their bytes, and its opcode (text or binary). */
  private fragments: Buffer[] | null = null;
  private fragmentsLength = 0;
  private fragmentsOpcode = 0;
  private closeCode = 1006;
  private readonly maxPayload: number;

  constructor(
    url: string,
    private readonly events: LeanSocketEvents,
    o: LeanSocketOptions = {},
  ) {
    this.maxPayload = o.maxPayload ?? 64 * 2 ** 20;
    const t = targetOf(url);
    const key = crypto.randomBytes(16).toString('base64');
    this.key = key;
    const socket = net.connect({ host: t.host, port: t.port, localAddress: o.localAddress });
    this.socket = socket;
    socket[SOCKET_OF] = this;
    o.onSocket?.(socket);
    socket.setNoDelay(true);
    socket.on('data', onData);
    socket.on('close', onSocketClose);
    socket.on('error', ignore);
    let request = `GET ${t.path} HTTP/1.1\r\nHost: ${t.hostHeader}\r\n`;
    for (const [name, value] of Object.entries(o.headers ?? {})) request += `${name}: ${value}\r\n`;
    socket.write(`${request}Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\n\r\n`);
    this.timer = setTimeout(terminateSocket, o.handshakeTimeoutMs ?? 10_000, this);
  }

  get open(): boolean {
    return this.state === OPEN;
  }

  send(text: string): void {
    if (this.state !== OPEN) return;
    const n = Buffer.byteLength(text);
    const h = n < 126 ? 6 : n < 65_536 ? 8 : 14;
    const frame = Buffer.allocUnsafe(h + n);
    frame.write(text, h);
    writeHeader(frame, 0x1, n, h);
    mask(frame, h, n);
    this.socket.write(frame);
  }

  /** The closing handshake: our close frame, then the server's, then the TCP end. */
  close(code = 1000): void {
    if (this.state === CONNECTING) return this.terminate();
    if (this.state !== OPEN) return;
    this.sendClose(code);
    this.timer = setTimeout(terminateSocket, CLOSE_TIMEOUT_MS, this);
  }

  /** Gone without a word. */
  terminate(): void {
    if (this.state === CLOSED) return;
    this.socket.destroy();
    if (this.state === CONNECTING) this.finish(1006);
  }

  /** The server's answer to the handshake, as its bytes come: 101 with the right accept key opens. */
  private handshake(chunk: Buffer): void {
    const seen = this.partial ? Buffer.concat([...this.partial, chunk]) : chunk;
    this.partial = null;
    const end = seen.indexOf('\r\n\r\n');
    if (end < 0) {
      if (seen.length > MAX_HANDSHAKE_BYTES) return this.terminate();
      this.partial = [seen];
      return;
    }
    // any answer but 101 (401, 429, 503...) fails the attempt, as `ws` reports it (1006)
    if (!upgradeAccepted(seen.toString('latin1', 0, end), this.key!)) return this.terminate();
    this.key = null;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.state = OPEN;
    this.events.onOpen();
    if (seen.length > end + 4 && this.state === OPEN) this.read(seen.subarray(end + 4));
  }

  /** @internal */
  finish(code: number): void {
    if (this.state === CLOSED) return;
    this.state = CLOSED;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.key = null;
    this.partial = this.fragments = null;
    this.events.onClose(code);
  }

  /** @internal the socket ended: the server's close code if it sent one. */
  ended(): void {
    this.finish(this.closeCode);
  }

  /** @internal parses every whole frame in the bytes read so far. */
  read(chunk: Buffer): void {
    if (this.state === CONNECTING) return this.handshake(chunk);
    if (this.state === FAILED) return;
    if (this.partial) {
      this.partial.push(chunk);
      this.partialLength += chunk.length;
      if (this.partialLength < this.need) return;
      chunk = Buffer.concat(this.partial, this.partialLength);
      this.partial = null;
    }
    let off = 0;
    while (this.state === OPEN || this.state === CLOSING) {
      const avail = chunk.length - off;
      if (avail < 2) {
        this.need = 2;
        break;
      }
      const b0 = chunk[off]!;
      const b1 = chunk[off + 1]!;
      // a control frame is whole and small: refused before its length is even read
      if (b0 & 0x08 && (!(b0 & 0x80) || (b1 & 0x7f) > MAX_CONTROL_PAYLOAD)) return this.fail(1002);
      let n = b1 & 0x7f;
      let h = 2;
      if (n === 126) {
        if (avail < 4) {
          this.need = 4;
          break;
        }
        n = chunk.readUInt16BE(off + 2);
        h = 4;
      } else if (n === 127) {
        if (avail < 10) {
          this.need = 10;
          break;
        }
        n = Number(chunk.readBigUInt64BE(off + 2));
        h = 10;
      }
      if (b1 & 0x80) return this.fail(1002); // a server never masks
      if (n > this.maxPayload) return this.fail(1009);
      if (avail < h + n) {
        this.need = h + n;
        break;
      }
      const payload = chunk.subarray(off + h, off + h + n);
      off += h + n;
      this.frame(b0, payload);
    }
    if (off < chunk.length && (this.state === OPEN || this.state === CLOSING)) {
      this.partial = [chunk.subarray(off)];
      this.partialLength = chunk.length - off;
    }
  }

  private frame(b0: number, payload: Buffer): void {
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    switch (opcode) {
      case 0x0: // continuation
        if (!this.fragments) return this.fail(1002);
        // the limit holds for the message so far: parts never pile up past it
        this.fragmentsLength += payload.length;
        if (this.fragmentsLength > this.maxPayload) return this.fail(1009);
        this.fragments.push(Buffer.from(payload));
        if (!fin) return;
        payload = Buffer.concat(this.fragments, this.fragmentsLength);
        this.fragments = null;
        this.fragmentsLength = 0;
        return this.message(this.fragmentsOpcode, payload);
      case 0x1: // text
      case 0x2: // binary: the protocol has none; handed on as it came
        if (this.fragments) return this.fail(1002);
        if (!fin) {
          this.fragments = [Buffer.from(payload)];
          this.fragmentsLength = payload.length;
          this.fragmentsOpcode = opcode;
          return;
        }
        return this.message(opcode, payload);
      case 0x8: {
        if (payload.length === 1) return this.fail(1002);
        if (payload.length > 2 && !isUtf8(payload.subarray(2))) return this.fail(1007);
        this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        if (this.state === OPEN) this.sendClose(this.closeCode === 1005 ? 1000 : this.closeCode);
        this.socket.end();
        return;
      }
      case 0x9:
        return this.control(0xa, payload);
      case 0xa:
        return;
      default:
        return this.fail(1002);
    }
  }

  /** A whole message: text must be UTF-8 (1007 otherwise). */
  private message(opcode: number, payload: Buffer): void {
    if (opcode === 0x1 && !isUtf8(payload)) return this.fail(1007);
    if (this.state === OPEN) this.events.onText(payload);
  }

  /** A control frame (n <= 125: read() refuses bigger ones, so the 7-bit length always fits). */
  private control(opcode: number, payload: Buffer): void {
    const n = payload.length;
    const frame = Buffer.allocUnsafe(6 + n);
    payload.copy(frame, 6);
    writeHeader(frame, opcode, n, 6);
    mask(frame, 6, n);
    this.socket.write(frame);
  }

  private sendClose(code: number): void {
    this.state = CLOSING;
    const body = Buffer.allocUnsafe(2);
    body.writeUInt16BE(code, 0);
    this.control(0x8, body);
  }

  /** A protocol error: say so, read nothing more (a close frame behind it must not replace 1006), drop the connection. */
  private fail(code: number): void {
    if (this.state === OPEN) this.sendClose(code);
    this.state = FAILED;
    this.closeCode = 1006;
    this.partial = this.fragments = null;
    this.socket.destroy();
  }
}

const SOCKET_OF = Symbol('chatlab.leanSocket');
declare module 'node:net' {
  interface Socket {
    [SOCKET_OF]?: LeanWebSocket;
  }
}

/** An answer's head (status line and headers) longer than this is no handshake worth waiting out. */
const MAX_HANDSHAKE_BYTES = 16_384;

/** Where a ws:// URL points, parsed once per URL (a worker opens thousands to the same few). */
interface Target {
  host: string;
  port: number;
  /** Path and query, as the request line carries them. */
  path: string;
  hostHeader: string;
}
const targets = new Map<string, Target>();
function targetOf(url: string): Target {
  let t = targets.get(url);
  if (t === undefined) {
    const u = new URL(url);
    if (u.protocol !== 'ws:' && u.protocol !== 'http:') throw new Error(`the lean WebSocket client speaks ws:// only, not ${u.protocol}`);
    t = { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 80), path: `${u.pathname}${u.search}`, hostHeader: u.host };
    targets.set(url, t);
  }
  return t;
}

/** RFC 6455 4.1: the answer's head is status 101 with Sec-WebSocket-Accept the hash of our key. */
export function upgradeAccepted(head: string, key: string): boolean {
  if (!/^HTTP\/1\.1 101(?: |$)/.test(head)) return false;
  const accept = /\r\nsec-websocket-accept:[ \t]*([^\r\n]*?)[ \t]*(?:\r\n|$)/i.exec(head)?.[1];
  return accept === crypto.createHash('sha1').update(`${key}${GUID}`).digest('base64');
}

// Shared listeners (an emitter calls them with itself as `this`): a held connection carries no closures.
function onData(this: Socket, chunk: Buffer): void {
  this[SOCKET_OF]!.read(chunk);
}

function onSocketClose(this: Socket): void {
  this[SOCKET_OF]!.ended();
}

function ignore(): void {}

/** A handshake not answered, or a close not answered, in time. */
function terminateSocket(ws: LeanWebSocket): void {
  ws.terminate();
}

/** FIN, opcode, the mask bit and the payload length, in the `h` bytes before the payload (the last 4 are the mask key). */
function writeHeader(frame: Buffer, opcode: number, n: number, h: number): void {
  frame[0] = 0x80 | opcode;
  if (h === 6) frame[1] = 0x80 | n;
  else if (h === 8) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
}

/** Random mask keys from a pool refilled now and then (one `randomFillSync` per 1,024 frames). */
const keys = Buffer.allocUnsafe(4096);
let keyAt = keys.length;

function mask(frame: Buffer, h: number, n: number): void {
  if (keyAt === keys.length) {
    crypto.randomFillSync(keys);
    keyAt = 0;
  }
  const k = h - 4;
  keys.copy(frame, k, keyAt, keyAt + 4);
  keyAt += 4;
  for (let i = 0; i < n; i++) frame[h + i]! ^= frame[k + (i & 3)]!;
}

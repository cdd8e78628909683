import http from 'node:http';
import { LeanWebSocket, type LeanSocketEvents } from './lean-websocket.js';
import type { WireMeter } from './wire-meter.js';

/** How a simulated client reaches its gateway. */
export const TRANSPORTS = ['ws', 'longpoll'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** What a link tells its client; `close` comes once, after `open` or instead of it. */
export interface LinkEvents {
  open(): void;
  frame(f: { type: string } & Record<string, any>): void;
  close(code: number): void;
}

/** One connection to a gateway, whatever carries it. */
export interface ClientLink {
  readonly open: boolean;
  /** One client frame (JSON text). */
  send(frame: string): void;
  /** Closes cleanly (WebSocket close 1000, long poll DELETE). */
  close(): void;
  /** Gone without a word (a crashed phone, a dropped network). */
  terminate(): void;
}

export interface LinkOptions {
  /** The gateway's base URL (http://host:port). */
  base: string;
  token: string;
  localAddress?: string;
  meter?: WireMeter;
  /** A WebSocket handshake not answered within this fails the attempt (close 1006); 10 s by default. */
  handshakeTimeoutMs?: number;
}

export function openLink(transport: Transport, o: LinkOptions, ev: LinkEvents): ClientLink {
  return transport === 'longpoll' ? openLongPollLink(o, ev) : openWsLink(o, ev);
}

/** One URL string per gateway, not one per socket (a held socket keeps its URL). */
const wsUrls = new Map<string, string>();
export function wsUrlOf(base: string): string {
  let url = wsUrls.get(base);
  if (url === undefined) wsUrls.set(base, (url = `${base.replace(/^http/, 'ws')}/v1/ws`));
  return url;
}

function openWsLink(o: LinkOptions, ev: LinkEvents): ClientLink {
  o.meter?.request();
  const link = new WsLink(ev);
  link.socket = new LeanWebSocket(wsUrlOf(o.base), link, {
    headers: { authorization: `Bearer ${o.token}` },
    localAddress: o.localAddress,
    handshakeTimeoutMs: o.handshakeTimeoutMs,
    onSocket: o.meter ? (s) => o.meter!.track(s) : undefined,
  });
  return link;
}

/**
 * A load worker holds 10,000 of these: the link is the socket's events object (a class, no
 * closures per connection), and the gateway's frames are JSON it encoded, so
 * JSON.parse is the check that matters (no separate UTF-8 validation).
 */
class WsLink implements ClientLink, LeanSocketEvents {
  socket!: LeanWebSocket;

  constructor(readonly events: LinkEvents) {}

  get open(): boolean {
    return this.socket.open;
  }

  send(frame: string): void {
    this.socket.send(frame);
  }

  close(): void {
    this.socket.close(1000);
  }

  terminate(): void {
    this.socket.terminate();
  }

  onOpen(): void {
    this.events.open();
  }

  onText(data: Buffer): void {
    this.events.frame(JSON.parse(data.toString()));
  }

  onClose(code: number): void {
    this.events.close(code);
  }
}

/** What the long-poll link asks a poll to wait (the gateway's default). */
const POLL_WAIT_MS = 20_000;
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Long polling as docs/protocol.md ("Long polling") has it, the way engine.io's polling
 * transport does it: one poll always waiting, and one POST in flight at a time carrying every
 * frame queued meanwhile (so a sender's frames stay in order). Two keep-alive sockets at most.
 */
function openLongPollLink(o: LinkOptions, ev: LinkEvents): ClientLink {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  const target = new URL(o.base);
  const inFlight = new Set<http.ClientRequest>();
  let state: 'opening' | 'open' | 'closed' = 'opening';
  let sessionId = '';
  let outbox: string[] = [];
  let posting = false;

  function request(method: string, path: string, body?: string): Promise<{ status: number; body: Buffer }> {
    o.meter?.request();
    return new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      const headers: Record<string, string | number> = {};
      if (method === 'POST' && path === '/v1/lp') headers['authorization'] = `Bearer ${o.token}`;
      if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      const req = http.request(
        { host: target.hostname, port: target.port, method, path, agent, headers, localAddress: o.localAddress, timeout: REQUEST_TIMEOUT_MS },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            inFlight.delete(req);
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) });
          });
          res.on('error', reject);
        },
      );
      inFlight.add(req);
      req.on('socket', (s) => o.meter?.track(s));
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (err) => {
        inFlight.delete(req);
        reject(err);
      });
      req.end(body);
    });
  }

  function finish(code: number, keepSockets = false): void {
    if (state === 'closed') return;
    state = 'closed';
    for (const req of inFlight) req.destroy();
    inFlight.clear();
    if (!keepSockets) agent.destroy();
    ev.close(code);
  }

  async function pollLoop(): Promise<void> {
    while (state === 'open') {
      let answer: { frames?: Array<{ type: string } & Record<string, any>>; closed?: { code: number } };
      try {
        const res = await request('GET', `/v1/lp/${sessionId}?wait=${POLL_WAIT_MS}`);
        if (res.status !== 200) return finish(1006);
        answer = JSON.parse(res.body.toString());
      } catch {
        return finish(1006);
      }
      for (const f of answer.frames ?? []) {
        if (state !== 'open') return;
        ev.frame(f);
      }
      if (answer.closed) return finish(answer.closed.code);
    }
  }

  function flush(): void {
    if (posting || outbox.length === 0 || state !== 'open') return;
    posting = true;
    const body = `[${outbox.join(',')}]`;
    outbox = [];
    request('POST', `/v1/lp/${sessionId}`, body).then(
      (res) => {
        posting = false;
        // a session the gateway no longer has: its poll learns of it too
        if (res.status === 404) return finish(1006);
        flush();
      },
      () => finish(1006),
    );
  }

  request('POST', '/v1/lp').then(
    (res) => {
      if (state !== 'opening') return;
      if (res.status !== 201) return finish(res.status === 503 ? 1013 : 1006);
      sessionId = (JSON.parse(res.body.toString()) as { sessionId: string }).sessionId;
      state = 'open';
      ev.open();
      void pollLoop();
      flush();
    },
    () => finish(1006),
  );

  return {
    get open() {
      return state === 'open';
    },
    send(frame) {
      if (state !== 'open') return;
      outbox.push(frame);
      flush();
    },
    close() {
      if (state !== 'open') return finish(1000);
      const id = sessionId;
      finish(1000, true);
      void request('DELETE', `/v1/lp/${id}`).catch(() => {}).finally(() => agent.destroy());
    },
    terminate: () => finish(1006),
  };
}

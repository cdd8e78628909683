/**
 * The load process of bench/fanout.ts: forked by it (never on a gateway's event loop), driven
 * over IPC. It holds many bare WebSocket clients (the simulated phones' lean client,
 * src/client/lean-websocket.ts) and, on a `step`, sends on an open-model
 * arrival schedule from ONE timer for the whole process (no timer per connection), and records
 * send→deliver latency per recipient, measured from the INTENDED send time (so a generator or
 * system that falls behind shows as latency, not as a lower offered rate).
 *
 * Hot path, per received frame: no JSON.parse. The body carries `~T<µs>S<step>~`; the frame is
 * searched for `~T` as bytes and the digits read in place. The receive timestamp is taken once
 * per event-loop turn (the first frame read in a turn takes it, a setImmediate clears it): all
 * frames read in one turn were already in the kernel when poll returned, so they share it.
 */
import { performance } from 'node:perf_hooks';
import { LeanWebSocket } from '../src/client/index.js';
import { createLatencyHistogram, mapLimited, signToken } from '../src/core/index.js';

export interface ConnSpec {
  user: string;
  /** ws://host:port/v1/ws (query included for the plain-ws baseline) */
  url: string;
  localAddress?: string;
  /**
   * `engineio`: the Socket.IO baseline, spoken as raw engine.io v4 over the same bare
   * client (open packet → `40` connect → `42[event,data]`, `2` ping → `3` pong), so both
   * baselines and chatlab are driven by the same, equally cheap, load process.
   */
  protocol?: 'engineio';
}

export type LoadCommand =
  | { id: number; cmd: 'init'; epochMs: number; secret?: string }
  | { id: number; cmd: 'connect'; conns: ConnSpec[]; concurrency: number }
  | { id: number; cmd: 'groups'; groups: Array<{ conversationId: string; senders: string[] }> }
  | {
      id: number;
      cmd: 'step';
      step: number;
      /** this process's share, messages per second */
      rate: number;
      /** phase of this process's schedule, in fractions of its interval (0..1) */
      phase: number;
      /** ms since epochMs */
      startAt: number;
      warmupMs: number;
      measureMs: number;
      bodyBytes: number;
    }
  | { id: number; cmd: 'stats'; step: number }
  | { id: number; cmd: 'finish'; step: number }
  | { id: number; cmd: 'close' };

export interface ConnectReply {
  connected: number;
  failed: number;
  firstError?: string;
  open: number;
}
export interface SendReply {
  sent: number;
  skipped: number;
  /** how far behind schedule the timer ran at worst, ms */
  maxLagMs: number;
}
export interface StatsReply {
  stepFrames: number;
}
export interface FinishReply {
  sent: number;
  stepFrames: number;
  windowFrames: number;
  histogram: string;
  clamped: number;
  errorFrames: number;
  acks: number;
  closes: number;
  closeCodes: Record<string, number>;
}

const MARK = Buffer.from('~T');
const ERROR_TYPE = Buffer.from('"type":"error"');
const ACK_TYPE = Buffer.from('"type":"ack"');

let epochMs = performance.timeOrigin;
let secret: string | undefined;
/** µs since the epoch the parent gave (all load processes share it: wall clock, sub-ms). */
const nowUs = (): number => Math.round((performance.timeOrigin - epochMs + performance.now()) * 1000);

let turnStamp = -1;
const clearStamp = (): void => {
  turnStamp = -1;
};
function turnNow(): number {
  if (turnStamp < 0) {
    turnStamp = nowUs();
    setImmediate(clearStamp);
  }
  return turnStamp;
}

interface Client {
  user: string;
  ws: LeanWebSocket;
  engineio: boolean;
  /** Called once the socket has closed (the `close` command waits on it). */
  closed: (() => void) | null;
}

const clients: Client[] = [];
const byUser = new Map<string, Client>();
let groups: Array<{ conversationId: string; senders: Client[]; rr: number }> = [];

// per-step receive state
let curStep = -1;
let winStart = Number.POSITIVE_INFINITY;
let winEnd = Number.NEGATIVE_INFINITY;
let stepFrames = 0;
let windowFrames = 0;
let errorFrames = 0;
let acks = 0;
let closes = 0;
let closeCodes: Record<string, number> = {};
const hist = createLatencyHistogram();

// per-step send state
let sent = 0;
let skipped = 0;
let maxLagUs = 0;
let sendTimer: NodeJS.Timeout | null = null;
let seq = 0;

const EIO_PING = 0x32; // '2'

/** engine.io: a ping is answered, everything else is a Socket.IO packet read as chatlab's frames are. */
function onEngineIoFrame(ws: LeanWebSocket, buf: Buffer): void {
  if (buf.length === 1 && buf[0] === EIO_PING) {
    ws.send('3');
    return;
  }
  onFrame(buf);
}

function onFrame(buf: Buffer): void {
  const now = turnNow();
  const i = buf.indexOf(MARK);
  if (i < 0) {
    if (buf.indexOf(ACK_TYPE) >= 0) acks++;
    else if (buf.indexOf(ERROR_TYPE) >= 0) errorFrames++;
    return;
  }
  let j = i + 2;
  let t = 0;
  let c = buf[j++]!;
  while (c >= 48 && c <= 57) {
    t = t * 10 + (c - 48);
    c = buf[j++]!;
  }
  // c is 'S'
  let s = 0;
  c = buf[j++]!;
  while (c >= 48 && c <= 57) {
    s = s * 10 + (c - 48);
    c = buf[j++]!;
  }
  if (s === curStep) stepFrames++;
  if (now >= winStart && now < winEnd) {
    windowFrames++;
    hist.record(now - t);
  }
}

function openOne(spec: ConnSpec): Promise<void> {
  return new Promise((resolve, reject) => {
    const headers = secret ? { authorization: `Bearer ${signToken(spec.user, secret)}` } : undefined;
    const client: Client = { user: spec.user, ws: null as unknown as LeanWebSocket, engineio: spec.protocol === 'engineio', closed: null };
    let ready = false;
    const opened = () => {
      ready = true;
      clients.push(client);
      byUser.set(spec.user, client);
      resolve();
    };
    client.ws = new LeanWebSocket(
      spec.url,
      {
        onOpen() {
          if (!client.engineio) opened();
        },
        onText(data) {
          if (ready) return client.engineio ? onEngineIoFrame(client.ws, data) : onFrame(data);
          // engine.io's open packet `0{…}`, then Socket.IO's connect `40` both ways
          if (data[0] === 0x30 /* 0 */) client.ws.send('40');
          else if (data[0] === 0x34 && data[1] === 0x30 /* 40 */) opened();
        },
        onClose(code) {
          if (!ready) return reject(new Error(`upgrade failed or closed before it was ready (close ${code})`));
          closes++;
          closeCodes[code] = (closeCodes[code] ?? 0) + 1;
          byUser.delete(spec.user);
          client.closed?.();
        },
      },
      { headers, handshakeTimeoutMs: 30_000, ...(spec.localAddress ? { localAddress: spec.localAddress } : {}) },
    );
  });
}

async function connectAll(conns: ConnSpec[], concurrency: number): Promise<ConnectReply> {
  let connected = 0;
  let failed = 0;
  let firstError: string | undefined;
  // a failed handshake is counted, not thrown: the reply reports how many and the first reason
  await mapLimited(conns, concurrency, async (spec) => {
    try {
      await openOne(spec);
      connected++;
    } catch (err) {
      failed++;
      firstError ??= `${spec.user} → ${spec.url.split('?')[0]}${spec.localAddress ? ` from ${spec.localAddress}` : ''}: ${(err as Error).message}`;
    }
  });
  return { connected, failed, firstError, open: openCount() };
}

function openCount(): number {
  let n = 0;
  for (const c of clients) if (c.ws.open) n++;
  return n;
}

/** Runs the arrival schedule; resolves when the last scheduled send is done. */
function runSchedule(cmd: Extract<LoadCommand, { cmd: 'step' }>): Promise<SendReply> {
  const intervalUs = 1e6 / cmd.rate;
  const t0 = cmd.startAt * 1000 + cmd.phase * intervalUs;
  const endUs = (cmd.startAt + cmd.warmupMs + cmd.measureMs) * 1000;
  const live = groups.filter((g) => g.senders.length > 0);
  let k = 0;
  return new Promise((resolve) => {
    if (live.length === 0 || cmd.rate <= 0) return resolve({ sent, skipped, maxLagMs: 0 });
    const tick = (): void => {
      const now = nowUs();
      for (;;) {
        const intended = t0 + k * intervalUs;
        if (intended >= endUs || intended > now) break;
        if (now - intended > maxLagUs) maxLagUs = now - intended;
        const g = live[k % live.length]!;
        const sender = g.senders[g.rr++ % g.senders.length]!;
        k++;
        if (!sender.ws.open) {
          skipped++;
          continue;
        }
        const body = `~T${Math.round(intended)}S${cmd.step}~`.padEnd(cmd.bodyBytes, 'x');
        const frame = `{"type":"send","clientMsgId":"b${process.pid}-${++seq}","conversationId":"${g.conversationId}","body":"${body}"}`;
        sender.ws.send(sender.engineio ? `42["send",${frame}]` : frame);
        sent++;
      }
      const next = t0 + k * intervalUs;
      if (next >= endUs) {
        sendTimer = null;
        resolve({ sent, skipped, maxLagMs: maxLagUs / 1000 });
        return;
      }
      sendTimer = setTimeout(tick, Math.max(0, (next - nowUs()) / 1000));
    };
    sendTimer = setTimeout(tick, Math.max(0, (t0 - nowUs()) / 1000));
  });
}

async function handle(msg: LoadCommand): Promise<unknown> {
  switch (msg.cmd) {
    case 'init':
      epochMs = msg.epochMs;
      secret = msg.secret;
      return {};
    case 'connect':
      return connectAll(msg.conns, msg.concurrency);
    case 'groups':
      groups = msg.groups.map((g) => ({
        conversationId: g.conversationId,
        senders: g.senders.map((u) => byUser.get(u)).filter((c): c is Client => c !== undefined),
        rr: 0,
      }));
      return { senders: groups.reduce((n, g) => n + g.senders.length, 0) };
    case 'step': {
      curStep = msg.step;
      winStart = (msg.startAt + msg.warmupMs) * 1000;
      winEnd = winStart + msg.measureMs * 1000;
      stepFrames = windowFrames = errorFrames = acks = closes = 0;
      closeCodes = {};
      sent = skipped = maxLagUs = 0;
      hist.reset();
      return runSchedule(msg);
    }
    case 'stats':
      return { stepFrames: msg.step === curStep ? stepFrames : 0 } satisfies StatsReply;
    case 'finish': {
      const reply: FinishReply = {
        sent,
        stepFrames,
        windowFrames,
        histogram: hist.encode(),
        clamped: hist.clamped,
        errorFrames,
        acks,
        closes,
        closeCodes,
      };
      curStep = -1;
      winStart = Number.POSITIVE_INFINITY;
      winEnd = Number.NEGATIVE_INFINITY;
      return reply;
    }
    case 'close': {
      if (sendTimer) clearTimeout(sendTimer);
      const all = clients.splice(0);
      byUser.clear();
      groups = [];
      await Promise.all(
        all.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (!c.ws.open) return resolve();
              const timer = setTimeout(() => {
                c.ws.terminate();
                resolve();
              }, 3000);
              c.closed = () => {
                clearTimeout(timer);
                resolve();
              };
              c.ws.close(1000);
            }),
        ),
      );
      return { closed: all.length };
    }
  }
}

process.on('message', (msg: LoadCommand) => {
  handle(msg).then(
    (result) => process.send!({ id: msg.id, ok: true, result }),
    (err: unknown) => process.send!({ id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));

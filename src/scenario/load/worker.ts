import path from 'node:path';
import { createRng, type Rng } from '../../core/lean/index.js';
import { LocalStore, SimClient } from '../../client/index.js';
import type { EngineToWorker, WorkerCollected } from './protocol.js';
import { WorkerRecorder, makeBody } from './recorder.js';
import { searchBody } from './search-body.js';

type Init = Extract<EngineToWorker, { type: 'init' }>;

/**
 * A load worker: many simulated clients in one process, driven by one scheduler tick (no timer
 * per connection), so the generator leaves the CPU to the system under test.
 */
export class LoadWorker {
  readonly recorder: WorkerRecorder;
  private readonly clients: SimClient[] = [];
  private readonly byUser = new Map<string, SimClient>();
  private readonly rng: Rng;
  private rate = 0;
  private senders: SimClient[] = [];
  private owed = 0;
  private lastTick = 0;
  private timer: NodeJS.Timeout | null = null;
  private flapTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout;
  private heartbeatTurn = 0;

  constructor(private readonly init: Init) {
    this.recorder = new WorkerRecorder(init.recordHistory);
    this.rng = createRng(init.seed).fork(init.workerId);
    init.clients.forEach((spec, i) => {
      const client = new SimClient({
        userId: spec.userId,
        token: spec.token,
        gateways: init.gateways,
        gatewayIndex: spec.gatewayIndex,
        conversations: spec.conversations,
        backoff: init.backoff,
        rng: this.rng.fork(spec.userId),
        recorder: this.recorder,
        localAddress: sourceAddress(i, init.connectionsPerAddress),
        autoRead: init.autoRead,
        transport: init.transport,
        meter: this.recorder.meter,
        ...(init.localStoreDir ? { localStore: LocalStore.openEmpty(storeFile(init.localStoreDir, spec.userId)) } : {}),
      });
      this.clients.push(client);
      this.byUser.set(spec.userId, client);
    });
    this.senders = this.clients;
    // one timer for all: every second a fifth of the clients heartbeat, so each does every 5 s
    this.heartbeatTimer = setInterval(() => {
      const turn = this.heartbeatTurn++ % 5;
      for (let i = turn; i < this.clients.length; i += 5) this.clients[i]!.heartbeat();
    }, 1000);
  }

  gauges() {
    let connected = 0;
    let waiting = 0;
    let pendingAcks = 0;
    let syncing = 0;
    for (const c of this.clients) {
      if (c.state === 'connected') connected++;
      else if (c.state === 'waiting' || c.state === 'connecting') waiting++;
      pendingAcks += c.pendingAcks;
      if (c.isSyncing) syncing++;
    }
    return { connected, waiting, pendingAcks, syncing };
  }

  /** Starts every client, at most `perSecond` new connections a second. */
  async connect(perSecond: number): Promise<void> {
    const batch = Math.max(1, Math.round(perSecond / 20));
    for (let i = 0; i < this.clients.length; i += batch) {
      for (const c of this.clients.slice(i, i + batch)) c.start();
      await new Promise((r) => setTimeout(r, 50));
    }
    const deadline = Date.now() + 60_000;
    while (this.gauges().connected < this.clients.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  }

  setRate(perSecond: number, senders?: string[]): void {
    this.rate = perSecond;
    this.senders = senders ? senders.map((u) => this.byUser.get(u)).filter((c): c is SimClient => !!c) : this.clients;
    this.owed = 0;
    this.lastTick = this.recorder.now();
    if (perSecond > 0 && !this.timer) this.timer = setInterval(() => this.pump(), 10);
    if (perSecond <= 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  /**
   * Closed model: a sender with nothing unacked sends again once its think time has passed
   * since it saw the ack (checked on the same 10 ms tick; 0 turns it off).
   */
  setClosed(thinkMs: number, senders?: string[]): void {
    this.setRate(0);
    const pool = senders ? senders.map((u) => this.byUser.get(u)).filter((c): c is SimClient => !!c) : this.clients;
    const readyAt = new Map<SimClient, number>();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (thinkMs < 0) return;
    this.timer = setInterval(() => {
      const now = this.recorder.now();
      for (const c of pool) {
        if (c.state !== 'connected' || c.pendingAcks > 0) {
          readyAt.delete(c);
          continue;
        }
        const at = readyAt.get(c);
        if (at === undefined) readyAt.set(c, now + thinkMs);
        else if (now >= at) {
          readyAt.delete(c);
          this.sendOne(c, undefined, now);
        }
      }
    }, 10);
  }

  /** Open model: sends owed since the last tick go out now, each stamped with its intended time. */
  private pump(): void {
    const now = this.recorder.now();
    const elapsed = now - this.lastTick;
    const start = this.lastTick;
    this.lastTick = now;
    this.owed += (elapsed / 1000) * this.rate;
    const n = Math.floor(this.owed);
    this.owed -= n;
    for (let k = 0; k < n && this.senders.length > 0; k++) {
      const client = this.senders[Math.floor(this.rng.next() * this.senders.length)]!;
      const intended = start + ((k + 1) / n) * elapsed;
      this.sendOne(client, undefined, intended);
    }
  }

  sendOne(client: SimClient, conversationId: string | undefined, intendedAt = this.recorder.now()): void {
    const convs = client.conversations;
    const conv = conversationId ?? convs[Math.floor(this.rng.next() * convs.length)];
    if (!conv) return;
    const { bodyBytes } = this.init;
    client.send(conv, this.init.searchBodies ? (id) => searchBody(intendedAt, id, bodyBytes, this.rng) : makeBody(intendedAt, bodyBytes), intendedAt);
  }

  sendFrom(userId: string, conversationId: string, count: number): void {
    const c = this.byUser.get(userId);
    if (!c) return;
    for (let i = 0; i < count; i++) this.sendOne(c, conversationId);
  }

  /** A member change the engine made: the client learns it (its socket may have missed the frame). */
  member(userId: string, conversationId: string, change: 'joined' | 'left', messageId: string): void {
    const c = this.byUser.get(userId);
    if (change === 'joined') c?.joined(conversationId, messageId);
    else c?.left(conversationId, messageId);
  }

  read(userId: string, conversationId: string, messageId: string): void {
    this.byUser.get(userId)?.read(conversationId, messageId);
  }

  /** Kills a fraction of connections at once, without close frames. */
  drop(fraction: number): number {
    const chosen = this.clients.filter(() => this.rng.next() < fraction);
    for (const c of chosen) c.dropConnection();
    return chosen.length;
  }

  flap(fraction: number, everyMs: number, untilMs: number): void {
    if (this.flapTimer) clearInterval(this.flapTimer);
    const end = Date.now() + untilMs;
    this.flapTimer = setInterval(() => {
      if (Date.now() > end) {
        clearInterval(this.flapTimer!);
        this.flapTimer = null;
        return;
      }
      for (const c of this.clients) if (c.state === 'connected' && this.rng.next() < fraction) c.dropConnection();
    }, everyMs);
  }

  /** Clean disconnects (close frame), as when users close the app. */
  disconnect(users: string[]): void {
    for (const u of users) this.byUser.get(u)?.disconnect();
  }

  reconnect(users: string[]): void {
    for (const u of users) this.byUser.get(u)?.resume();
  }

  collect(workerId: number): WorkerCollected {
    return {
      type: 'collected',
      workerId,
      sends: [...this.recorder.sends.values()],
      deliveries: this.recorder.deliveries,
      members: this.recorder.members,
      histogram: this.recorder.total.encode(),
      presence: this.recorder.presenceSeen,
      receipts: this.recorder.receiptsSeen,
      errorSamples: this.recorder.errorSamples,
    };
  }

  stop(): void {
    this.setRate(0);
    clearInterval(this.heartbeatTimer);
    if (this.flapTimer) clearInterval(this.flapTimer);
    for (const c of this.clients) {
      c.stop();
      c.localStore?.close();
    }
  }

  get all(): readonly SimClient[] {
    return this.clients;
  }

  client(userId: string): SimClient | undefined {
    return this.byUser.get(userId);
  }
}

/**
 * The source address of the i-th connection: none (the kernel's choice) for the first
 * `perAddress`, then 127.0.0.2, .3... An explicit address costs a bind() that searches the whole
 * ephemeral port range (54% of a ramping worker's CPU in a profile); connect() alone does not.
 */
export function sourceAddress(i: number, perAddress: number): string | undefined {
  const n = Math.floor(i / perAddress);
  return n === 0 ? undefined : `127.0.0.${1 + n}`;
}

/** One SQLite file per simulated phone. */
export function storeFile(dir: string, userId: string): string {
  return path.join(dir, `${encodeURIComponent(userId)}.sqlite`);
}

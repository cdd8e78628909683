import { performance } from 'node:perf_hooks';
import { createLatencyHistogram, type LatencyHistogram } from '../../core/lean/index.js';
import { WireMeter, type ClientRecorder, type MemberFrameSeen, type SimClient, type SimMessage, type WireTotals } from '../../client/index.js';
import type { DeliveryRow, MemberRow, SendRow, WorkerCollected, WorkerTick } from './protocol.js';

/** Bodies carry their intended send time, so any recipient can measure from it without a lookup. */
export function makeBody(intendedAt: number, bytes: number): string {
  const head = `t=${intendedAt.toFixed(1)}|`;
  return head.length >= bytes ? head : head + 'x'.repeat(bytes - head.length);
}

export function intendedFromBody(body: string): number {
  if (!body.startsWith('t=')) return 0;
  const end = body.indexOf('|');
  return end > 0 ? Number(body.slice(2, end)) : 0;
}

const epochNow = () => performance.timeOrigin + performance.now();

/** Counts per second, latency per second, and (optionally) the full history for the checker. */
export class WorkerRecorder implements ClientRecorder {
  private counts = zeroCounts();
  private connectTimes: number[] = [];
  private acceptTimes: number[] = [];
  private syncTimes: number[] = [];
  private second: LatencyHistogram = createLatencyHistogram();
  readonly total: LatencyHistogram = createLatencyHistogram();
  readonly sends = new Map<string, SendRow>();
  readonly deliveries: DeliveryRow[] = [];
  readonly members: MemberRow[] = [];
  readonly presenceSeen: WorkerCollected['presence'] = [];
  readonly receiptsSeen: WorkerCollected['receipts'] = [];
  readonly errorSamples: string[] = [];
  /** What this worker's clients put on the wire. */
  readonly meter = new WireMeter();
  private wireAtLastTick: WireTotals = this.meter.totals();

  constructor(private readonly recordHistory: boolean) {}

  now(): number {
    return epochNow();
  }

  sent(c: SimClient, conversationId: string, clientMsgId: string, intendedAt: number, sentAt: number, resend: boolean): void {
    if (!resend) {
      this.counts.sends++;
      this.sends.set(clientMsgId, { s: c.userId, c: conversationId, m: clientMsgId, i: intendedAt, t: sentAt });
    }
  }

  acked(_c: SimClient, _conv: string, clientMsgId: string, messageId: string, at: number): void {
    this.counts.acks++;
    const row = this.sends.get(clientMsgId);
    if (row) {
      row.id = messageId;
      row.a = at;
    }
  }

  delivered(c: SimClient, m: SimMessage, at: number, app: boolean, viaSync: boolean): void {
    if (!app) {
      this.counts.rawDeliveries++;
      if (this.recordHistory) this.deliveries.push({ r: c.userId, c: m.conversationId, id: m.messageId, m: m.clientMsgId, t: at, raw: 1, ...(viaSync ? { sync: 1 } : {}) });
      return;
    }
    this.counts.deliveries++;
    const intended = intendedFromBody(m.body);
    if (intended > 0 && !viaSync) {
      const micros = Math.max(0, (at - intended) * 1000);
      this.second.record(micros);
      this.total.record(micros);
    }
    if (this.recordHistory) this.deliveries.push({ r: c.userId, c: m.conversationId, id: m.messageId, m: m.clientMsgId, t: at, i: intended, ...(viaSync ? { sync: 1 } : {}) });
  }

  connectAttempt(): void {
    this.counts.connectAttempts++;
    this.connectTimes.push(Math.round(epochNow()));
  }

  connected(_c: SimClient, reconnect: boolean): void {
    this.counts.connects++;
    this.acceptTimes.push(Math.round(epochNow()));
    if (reconnect) this.counts.reconnects++;
  }

  disconnected(): void {
    this.counts.disconnects++;
  }

  syncRequest(): void {
    this.counts.syncRequests++;
    this.syncTimes.push(Math.round(epochNow()));
  }

  presence(c: SimClient, userId: string, status: string, at: number): void {
    this.counts.presence++;
    this.presenceSeen.push({ to: c.userId, user: userId, status, at });
  }

  receipt(c: SimClient, conv: string, userId: string, messageId: string, at: number): void {
    this.counts.receipts++;
    this.receiptsSeen.push({ to: c.userId, conv, user: userId, id: messageId, at });
  }

  member(c: SimClient, f: MemberFrameSeen, at: number): void {
    if (this.recordHistory) this.members.push({ r: c.userId, c: f.conversationId, u: f.userId, ch: f.change, id: f.messageId, t: at });
  }

  error(c: SimClient, code: string, message: string): void {
    this.counts.errors++;
    if (this.errorSamples.length < 20) this.errorSamples.push(`${c.userId}: ${code}: ${message}`);
  }

  /** The counts since the last tick, and this second's latency histogram; resets both. */
  tick(workerId: number, gauges: Pick<WorkerTick, 'connected' | 'waiting' | 'pendingAcks' | 'syncing'>): WorkerTick {
    const wire = this.meter.totals();
    const was = this.wireAtLastTick;
    this.wireAtLastTick = wire;
    const t: WorkerTick = {
      type: 'tick', workerId, at: epochNow(), ...gauges, ...this.counts,
      bytesIn: wire.bytesIn - was.bytesIn, bytesOut: wire.bytesOut - was.bytesOut,
      httpRequests: wire.requests - was.requests, tcpConnects: wire.tcpConnects - was.tcpConnects,
      connectTimes: this.connectTimes, acceptTimes: this.acceptTimes, syncTimes: this.syncTimes, histogram: this.second.encode(),
    };
    this.counts = zeroCounts();
    this.connectTimes = [];
    this.acceptTimes = [];
    this.syncTimes = [];
    this.second = createLatencyHistogram();
    return t;
  }
}

function zeroCounts() {
  return {
    sends: 0,
    acks: 0,
    deliveries: 0,
    rawDeliveries: 0,
    connectAttempts: 0,
    connects: 0,
    reconnects: 0,
    disconnects: 0,
    syncRequests: 0,
    presence: 0,
    receipts: 0,
    errors: 0,
  };
}

import { randomBytes } from 'node:crypto';
import type { ConnectionWire } from './connection-wire.js';
import { payloadOfTextFrame } from './wire-frame.js';

/** What a poll is answered with: the frames buffered since the last poll, and the close when the session ended. */
export interface PollAnswer {
  frames: Buffer[];
  /** The sequence number of the last frame in `frames` (of the last one sent, when empty). */
  seq: number;
  closed?: { code: number; reason: string };
}

/** The close code a session gets when it was dropped without a close (WebSocket's 1006). */
export const ABNORMAL_CLOSE = 1006;

/**
 * One long-poll session on the gateway: the transport under a Connection when the client
 * cannot keep a WebSocket. Frames the connection sends wait here until the client polls;
 * a poll with nothing to take waits (parked) until a frame comes or its wait ends. One poll
 * at a time. Pure: the HTTP side (longpoll-api.ts) hands in answer callbacks and the clock.
 *
 * Frames are numbered 1, 2, ... in the order they were sent. A poll that carries `ack` (the
 * sequence of the last frame its client got) removes only the frames up to it: the others are
 * answered again, so a response that died in transit loses nothing (as Socket.IO's and SockJS's
 * polling transports do). A poll without `ack` (clients written before it) takes the frames
 * out as it is answered, as before.
 */
export class LongPollSession implements ConnectionWire {
  readonly id = randomBytes(16).toString('base64url');
  private frames: Buffer[] = [];
  private bytes = 0;
  /** The sequence number of frames[0]; frames[i] is `firstSeq + i`. */
  private firstSeq = 1;
  /** `keep`: the poll carried `ack`, so what it is answered stays until acknowledged. */
  private parked: { answer: (a: PollAnswer) => void; timer: ReturnType<typeof setTimeout>; keep: boolean } | null = null;
  private closedWith: { code: number; reason: string } | null = null;
  /** Set once the close was handed to a poll (or the session was dropped): nothing more to answer. */
  private done = false;
  /** Called once the session is closed or dropped; the connection's owner unroutes it. */
  onEnd: () => void = () => {};
  /** Called when a poll arrives or a probe finds one parked (the connection's `alive()`). */
  onAlive: () => void = () => {};
  readonly createdAt: number;
  lastPollAt: number;

  constructor(now = Date.now()) {
    this.createdAt = now;
    this.lastPollAt = now;
  }

  get bufferedAmount(): number {
    return this.bytes;
  }

  get open(): boolean {
    return this.closedWith === null;
  }

  /** Whether the close has been delivered (or the session dropped): its id answers 404 from now on. */
  get finished(): boolean {
    return this.done;
  }

  get polling(): boolean {
    return this.parked !== null;
  }

  sendText(frame: string | Buffer): void {
    this.enqueue(typeof frame === 'string' ? Buffer.from(frame) : frame);
  }

  sendWire(wire: Buffer): void {
    this.enqueue(payloadOfTextFrame(wire));
  }

  /** A poll is parked: the client is there. Otherwise the next poll answers the probe. */
  ping(): void {
    if (this.parked) this.onAlive();
  }

  close(code: number, reason: string): void {
    if (this.closedWith) return;
    this.closedWith = { code, reason };
    this.onEnd();
    if (this.parked) this.flush();
  }

  terminate(): void {
    if (this.done) return;
    const wasOpen = this.closedWith === null;
    this.closedWith ??= { code: ABNORMAL_CLOSE, reason: 'session dropped' };
    this.firstSeq += this.frames.length;
    this.frames = [];
    this.bytes = 0;
    if (wasOpen) this.onEnd();
    if (this.parked) this.flush();
    this.done = true;
  }

  /**
   * A poll: answered at once when frames wait or the session closed, else after `waitMs` or as
   * soon as a frame comes. Returns false (nothing answered) when another poll is parked.
   */
  poll(answer: (a: PollAnswer) => void, waitMs: number, now = Date.now(), ack?: number): boolean {
    if (this.parked) return false;
    this.lastPollAt = now;
    this.onAlive();
    if (ack !== undefined) this.acknowledge(ack);
    const ready = this.frames.length > 0 || this.closedWith !== null;
    this.parked = { answer, timer: setTimeout(() => this.flush(), ready ? 0 : Math.max(0, waitMs)), keep: ack !== undefined };
    if (ready) this.flush();
    return true;
  }

  /** The client got every frame up to `seq`: those leave the buffer (a `seq` beyond the last sent counts as the last). */
  private acknowledge(seq: number): void {
    while (this.frames.length > 0 && this.firstSeq <= seq) {
      this.bytes -= this.frames.shift()!.length;
      this.firstSeq++;
    }
  }

  /** The parked poll's client went away before its answer: the frames stay for the next poll. */
  cancelPoll(): void {
    if (!this.parked) return;
    clearTimeout(this.parked.timer);
    this.parked = null;
  }

  private enqueue(payload: Buffer): void {
    if (this.closedWith) return;
    this.frames.push(payload);
    this.bytes += payload.length;
    // answered on the next turn of the loop: frames sent together (a sync page, a burst) go in one answer
    if (this.parked && this.frames.length === 1) {
      clearTimeout(this.parked.timer);
      this.parked.timer = setTimeout(() => this.flush(), 0);
    }
  }

  private flush(): void {
    const parked = this.parked;
    if (!parked) return;
    clearTimeout(parked.timer);
    this.parked = null;
    const answer: PollAnswer = { frames: parked.keep ? [...this.frames] : this.frames, seq: this.firstSeq + this.frames.length - 1 };
    if (!parked.keep) {
      this.firstSeq += this.frames.length;
      this.frames = [];
      this.bytes = 0;
    }
    if (this.closedWith) {
      answer.closed = this.closedWith;
      this.done = true;
    }
    parked.answer(answer);
  }
}

/** A poll's answer as the response body: `{"frames":[...]}` from the frames' JSON as it is, no re-encoding. */
export function pollBody(a: PollAnswer): Buffer {
  const parts: Buffer[] = [Buffer.from('{"frames":[')];
  a.frames.forEach((f, i) => {
    if (i > 0) parts.push(Buffer.from(','));
    parts.push(f);
  });
  parts.push(Buffer.from(`],"seq":${a.seq}${a.closed ? `,"closed":${JSON.stringify(a.closed)}` : ''}}`));
  return Buffer.concat(parts);
}

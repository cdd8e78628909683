import type { WebSocket } from 'ws';
import { CloseCodes, SYNC_LIMIT_DEFAULT, errorMessage, parseClientFrame, type ClientFrame, type ErrorFrameCode, type ServerFrame, type SyncFrame } from '../core/index.js';
import { wsWire, type ConnectionWire } from './connection-wire.js';
import { readVisibleHistory } from './visible-history.js';
import { handleSend, type SendOutcome, type SendReply } from './send.js';
import { streamMayBeLost, type GatewayContext } from './context.js';
import { clampReadId } from './read-clamp.js';
import type { RoutedSocket } from './router.js';
import { RepeatLog } from './repeat-log.js';

const driverErrors = new RepeatLog((line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`));

/** Token bucket: `rate` frames a second, up to `burst` at once. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now = Date.now(),
  ) {
    this.tokens = burst;
    this.last = now;
  }

  take(now = Date.now()): boolean {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

let nextId = 0;

/** Syncs a socket may have waiting behind the one in flight (a client syncs each conversation once per reconnect). */
export const MAX_QUEUED_SYNCS = 64;

/** How long after opening a socket remembers what it was pushed, and how much (reconnect syncs come at once). */
const RECORD_PUSHES_MS = 10_000;
const MAX_RECORDED_PUSHES = 5000;

/** One client socket: rate limit, bounded outbound queue, frame dispatch. */
export class Connection implements RoutedSocket {
  readonly id: string;
  private readonly bucket: TokenBucket;
  /** Sends of one socket run their routing step in order, so one sender's messages stay in order. */
  private sendChain: Promise<void> = Promise.resolve();
  /** One sync in flight per socket (each reads Cassandra and Redis); the rest wait, boundedly. */
  private syncChain: Promise<void> = Promise.resolve();
  private syncsQueued = 0;
  closed = false;
  private detached = false;
  private readonly openedAt = Date.now();
  private pushedSinceOpen: Set<string> | undefined = new Set();
  /** Conversations whose sync has not been answered with a last page yet. */
  private readonly syncsUnfinished = new Set<string>();
  /** Liveness: a frame or a pong since the last ping, and when the client last sent a frame. */
  private answered = true;
  private lastFrameAt = Date.now();

  constructor(
    private readonly ctx: GatewayContext,
    private readonly wire: ConnectionWire,
    readonly userId: string,
  ) {
    this.id = `${ctx.gatewayId}:${++nextId}`;
    this.bucket = new TokenBucket(ctx.options.rateLimitPerSec, ctx.options.rateLimitBurst);
  }

  /** A connection on a WebSocket: its text frames are client frames, its pongs are liveness. */
  static overWebSocket(ctx: GatewayContext, ws: WebSocket, userId: string): Connection {
    const conn = new Connection(ctx, wsWire(ws), userId);
    ws.on('message', (data, isBinary) => conn.receive(isBinary ? '' : data.toString()));
    ws.on('pong', () => conn.alive());
    return conn;
  }

  /** The transport heard from the client (a pong, a poll). */
  alive(): void {
    this.answered = true;
  }

  /**
   * Called every ping interval. A peer that answered nothing since the last ping is gone
   * (a half-open TCP connection holds a subscription forever otherwise): dropped without a
   * close handshake. A client that sent no frame, heartbeats included, for the idle timeout is
   * closed with 4000.
   */
  checkLiveness(now: number): void {
    if (this.closed) return;
    if (!this.answered) {
      this.closed = true;
      this.ctx.metrics.closes.inc({ reason: 'ping_timeout' });
      this.wire.terminate();
      return;
    }
    if (now - this.lastFrameAt >= this.ctx.options.idleTimeoutMs) return this.close(CloseCodes.IDLE, 'idle timeout', 'idle');
    this.answered = false;
    this.wire.ping();
  }

  /** A routed frame (a message, presence, a receipt): dropped once the socket is detached. */
  push(frame: string | Buffer): void {
    if (!this.detached) this.write(frame);
  }

  /** The connection's own answers (acks, sync pages, errors): sent until it closes. */
  sendFrame(frame: ServerFrame): void {
    this.write(JSON.stringify(frame));
  }

  /**
   * No more routed frames: the subscriber missed what was published while it was away, so a
   * later live message would move the client's cursor past one it never got. The client
   * reconnects and syncs from the last id it saw before the gap.
   */
  detach(): void {
    this.detached = true;
  }

  /** Pushes a serialized frame, unless the socket's unsent bytes show a slow consumer. */
  private write(frame: string | Buffer): void {
    if (this.closed || this.closedAsSlow()) return;
    this.wire.sendText(frame);
  }

  /** Closes the socket with 4008 when its unsent bytes are over the limit (a slow consumer). */
  private closedAsSlow(): boolean {
    if (this.wire.bufferedAmount <= this.ctx.options.outboundLimitBytes) return false;
    this.close(CloseCodes.RATE_LIMIT, 'slow consumer', 'slow_consumer');
    return true;
  }

  /**
   * A routed frame framed once for many sockets (the router's path, wire-frame.ts): dropped once
   * the socket is detached, as push is.
   */
  pushWire(wire: Buffer, messageId?: string): void {
    if (this.detached || this.closed || this.closedAsSlow()) return;
    // what ws.send does on a socket that is not open: nothing goes out
    if (!this.wire.open) return;
    this.wire.sendWire(wire);
    if (messageId !== undefined) this.notePushed(messageId);
  }

  /**
   * Ids pushed live while the socket is young or a sync of it has not got its last page yet
   * (storage down: the client asks again and again): those syncs may leave them out (`skipPushed`).
   */
  private notePushed(messageId: string): void {
    if (!this.pushedSinceOpen) return;
    const young = Date.now() - this.openedAt <= RECORD_PUSHES_MS || this.syncsUnfinished.size > 0;
    if (!young || this.pushedSinceOpen.size >= MAX_RECORDED_PUSHES) this.pushedSinceOpen = undefined;
    else this.pushedSinceOpen.add(messageId);
  }

  error(code: ErrorFrameCode, message: string, ref?: string, extra: { conversationId?: string } = {}): void {
    this.ctx.metrics.errors.inc({ code });
    const text = this.clientMessage(code, message, ref);
    this.sendFrame({ type: 'error', code, message: text, ...(ref === undefined ? {} : { ref }), ...extra } as ServerFrame);
  }

  /**
   * `internal` and `unavailable` carry what a driver said (hosts, keyspaces, queries): that
   * goes to the log, and the client gets a fixed sentence per code.
   */
  private clientMessage(code: ErrorFrameCode, message: string, ref: string | undefined): string {
    if (code !== 'internal' && code !== 'unavailable') return message;
    // per cause, not per user: a storm of refusals is one line and a count
    driverErrors.line(`[${this.ctx.gatewayId}] ${code}: ${message}`);
    if (code === 'internal') return 'internal error';
    return ref === undefined ? 'temporarily unavailable: ask again' : 'not durable: send again with the same clientMsgId';
  }

  close(code: number, reason: string, metricReason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.ctx.metrics.closes.inc({ reason: metricReason });
    this.wire.close(code, reason);
  }

  get bufferedAmount(): number {
    return this.wire.bufferedAmount;
  }

  /** A client frame as it came (WebSocket): a malformed one is answered with an error frame. */
  receive(raw: string): void {
    if (!this.admit()) return;
    const parsed = parseClientFrame(raw);
    if (!parsed.ok) return this.error(parsed.code, parsed.message, parsed.ref);
    this.handle(parsed.frame);
  }

  /** A client frame already checked at the edge (a long-poll POST); counted and rate limited as any. */
  receiveParsed(frame: ClientFrame): void {
    if (this.admit()) this.handle(frame);
  }

  private admit(): boolean {
    if (this.closed) return false;
    this.lastFrameAt = Date.now();
    this.answered = true;
    if (!this.bucket.take()) {
      this.close(CloseCodes.RATE_LIMIT, 'rate limit', 'rate_limit');
      return false;
    }
    return true;
  }

  private handle(frame: ClientFrame): void {
    switch (frame.type) {
      case 'send':
        this.sendChain = this.sendChain.then(() =>
          handleSend(this.ctx, this, frame)
            .then((outcome) => this.answerSend(outcome))
            // never rejects: a rejected chain would skip every later send of this socket
            .catch((err: unknown) => this.error('internal', errorMessage(err), frame.clientMsgId)),
        );
        return;
      case 'sync': {
        const failed = (code: ErrorFrameCode, message: string) => {
          // extension: which conversation failed, so the client can ask again
          this.ctx.metrics.errors.inc({ code });
          this.sendFrame({ type: 'error', code, message, conversationId: frame.conversationId } as ServerFrame);
        };
        if (this.syncsQueued >= MAX_QUEUED_SYNCS) return failed('rate_limited', `more than ${MAX_QUEUED_SYNCS} syncs waiting on this socket, ask again later`);
        this.syncsQueued++;
        this.syncChain = this.syncChain.then(() =>
          this.sync(frame)
            .catch((err: unknown) => failed('unavailable', `sync failed, ask again: ${errorMessage(err)}`))
            .finally(() => this.syncsQueued--),
        );
        return;
      }
      case 'read':
        void this.read(frame.conversationId, frame.messageId).catch((err: unknown) => this.error('unavailable', `read failed: ${errorMessage(err)}`));
        return;
      case 'heartbeat':
        this.ctx.events.heartbeat(this.userId, this.id);
        return;
    }
  }

  private answerSend(outcome: SendOutcome): void {
    if (!outcome.routed) return this.reply(outcome.reply);
    // graceful shutdown waits until every routed send has been answered
    const answered = outcome.reply.then((reply) => this.reply(reply));
    this.ctx.inFlight.add(answered);
    void answered.finally(() => this.ctx.inFlight.delete(answered));
  }

  private reply(reply: SendReply): void {
    if (reply.ok) this.sendFrame(reply.ack);
    else this.error(reply.code, reply.message, reply.ref);
  }

  /**
   * `formerToo`: a user removed from the conversation still syncs what was published while
   * they were a member (their spans end at the leave): a phone offline across its removal
   * would otherwise never get the last messages it was sent.
   */
  private async member(conversationId: string, formerToo = false): Promise<boolean> {
    const conversation = await this.ctx.conversations.get(conversationId);
    if (!conversation) {
      this.error('unknown_conversation', `no conversation ${conversationId}`, undefined, { conversationId });
      return false;
    }
    if (!this.ctx.conversations.isMember(conversationId, this.userId)) {
      if (formerToo && (await this.ctx.redis.hget(this.ctx.keys.spans(conversationId), this.userId)) !== null) return true;
      this.error('not_member', `you are not a member of ${conversationId}`, undefined, { conversationId });
      return false;
    }
    return true;
  }

  private async sync(frame: SyncFrame): Promise<void> {
    if (this.closed) return; // queued behind others while the socket went away
    this.syncsUnfinished.add(frame.conversationId);
    if (!(await this.member(frame.conversationId, true))) return;
    const conversation = this.ctx.conversations.peek(frame.conversationId);
    const page = await readVisibleHistory(this.ctx, this.userId, {
      store: this.ctx.messages,
      redis: this.ctx.redis,
      recentKey: this.ctx.keys.recent(frame.conversationId),
      conversationId: frame.conversationId,
      after: frame.after,
      limit: frame.limit ?? SYNC_LIMIT_DEFAULT,
      fromMs: conversation?.createdAt,
      streamMayBeLost: streamMayBeLost(this.ctx),
    });
    // everything pushed here went out before this answer, so a client that keeps live messages
    // during a sync has them: no page need carry them again. A page left shorter says where the
    // next one starts (`nextAfter`), since its last message may not be the top it read.
    const pushed = frame.skipPushed ? this.pushedSinceOpen : undefined;
    const held = frame.skipIds && frame.skipIds.length > 0 ? new Set(frame.skipIds) : undefined;
    const messages = (pushed && pushed.size > 0) || held ? page.messages.filter((m) => !pushed?.has(m.messageId) && !held?.has(m.messageId)) : page.messages;
    const top = page.messages.at(-1)?.messageId;
    const nextAfter = page.hasMore && top !== undefined && messages.at(-1)?.messageId !== top ? { nextAfter: top } : {};
    this.sendFrame({ type: 'sync_result', conversationId: frame.conversationId, messages, hasMore: page.hasMore, ...nextAfter });
    if (!page.hasMore) this.syncsUnfinished.delete(frame.conversationId);
  }

  private async read(conversationId: string, messageId: string): Promise<void> {
    if (!(await this.member(conversationId))) return;
    await this.ctx.events.read(this.userId, conversationId, await clampReadId(this.ctx.redis, this.ctx.keys.recent(conversationId), messageId));
  }
}

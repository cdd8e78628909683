import { MAX_SKIP_IDS, type Message, type Rng } from '../core/lean/index.js';
import { createBackoff, jittered, type Backoff, type BackoffOptions } from './backoff.js';
import { openLink, type ClientLink, type Transport } from './link.js';
import { LinkAttempt, type LinkOwner } from './link-attempt.js';
import type { LocalStore } from './local-store.js';
import { Memberships } from './memberships.js';
import { ConversationMerger } from './merge.js';
import { RefusalGate } from './refusal-gate.js';
import { createReconnector, realScheduler, type ReconnectMachine } from './reconnect.js';
import type { ClientRecorder, MemberFrameSeen, SimClientOptions, SimMessage } from './sim-client-types.js';

export type { ClientRecorder, MemberFrameSeen, RecordedClient, SimClientOptions, SimMessage } from './sim-client-types.js';

/**
 * The empty map every client starts with for its unacked sends and its syncs in flight: a held
 * client that never sends keeps no map of its own (~200 bytes each). Never written:
 * the first write replaces it (`pendingMap`, `syncingMap`); deletes and clears on it are no-ops.
 */
const NONE = new Map<string, never>();

/** A message's identity beside its id (sender + clientMsgId): one function for every merger. */
const messageIdentity = (m: SimMessage): string => `${m.senderId}\u0000${m.clientMsgId}`;

interface Pending {
  conversationId: string;
  body: string;
  intendedAt: number;
}

/**
 * A simulated chat client speaking docs/protocol.md: reconnects by policy (a state machine with
 * re-entry guards), syncs every conversation from its last id after a reconnect while live
 * messages keep arriving (merged by id, duplicates dropped), and re-sends whatever was never
 * acked with the same clientMsgId (so the server's dedupe makes it exactly-once).
 */
export class SimClient implements LinkOwner {
  readonly userId: string;
  private link: ClientLink | null = null;
  private machine: ReconnectMachine;
  private readonly mergers = new Map<string, ConversationMerger<SimMessage>>();
  private unacked: Map<string, Pending> = NONE;
  private gatewayIndex: number;
  private seq = 0;
  /** Attempts of the reconnect machine so far: a round over the gateways stops when a newer one began. */
  private rounds = 0;
  private everConnected = false;
  /** Sends refused `unavailable`, waiting for the gateway to accept again (one probe at a time). */
  private refusals: RefusalGate | undefined;
  private stopped = false;
  /** Conversations with a sync page in flight, and the `after` each asked for. */
  private syncing: Map<string, string> = NONE;
  /** Refused syncs wait on this (made at the first refusal): the client's bounds, jittered, reset by a served page. */
  private syncBackoff: Backoff | undefined;
  private store: LocalStore | undefined;
  /** Conversations this user is a member of now (member changes move it; its mergers stay). */
  private readonly members: Memberships;

  constructor(private readonly o: SimClientOptions) {
    this.userId = o.userId;
    this.gatewayIndex = o.gatewayIndex;
    this.store = o.localStore;
    this.members = new Memberships(o.conversations);
    for (const c of o.conversations) this.mergers.set(c, this.newMerger());
    this.machine = this.newMachine();
  }

  private newMachine(): ReconnectMachine {
    return createReconnector({ connect: () => this.open(), backoff: createBackoff(this.o.backoff, this.o.rng), scheduler: realScheduler, stableAfterMs: 5000 });
  }

  get state() {
    return this.machine.state;
  }

  get pendingAcks(): number {
    return this.unacked.size;
  }

  get isSyncing(): boolean {
    return this.syncing.size > 0;
  }

  get localStore(): LocalStore | undefined {
    return this.store;
  }

  /** The phone changed: from now on messages go into this store (the old one is the caller's). */
  useLocalStore(store: LocalStore): void {
    this.store = store;
  }

  /** The conversations this user is a member of now. */
  get conversations(): readonly string[] {
    return this.members.list;
  }

  /**
   * This user joined a conversation at change `changeId` (from its `member` frame, or told by
   * the app that made the change): shown from there on. An open socket brings the frame and
   * what follows it live; a socket that missed them reconnects and syncs from the join.
   */
  joined(conversationId: string, changeId: string): void {
    if (!this.members.join(conversationId, changeId)) return;
    if (!this.mergers.has(conversationId)) this.mergers.set(conversationId, this.newMerger(changeId));
  }

  /** This user left a conversation: no more sends or syncs there (what was published before still shows). */
  left(conversationId: string, changeId: string): void {
    if (!this.members.leave(conversationId, changeId)) return;
    for (const [clientMsgId, p] of this.unacked) if (p.conversationId === conversationId) this.unacked.delete(clientMsgId);
  }

  private newMerger(lastId?: string): ConversationMerger<SimMessage> {
    return new ConversationMerger<SimMessage>({ rememberIds: 2000, identity: messageIdentity, ...(lastId ? { lastId } : {}) });
  }

  start(): void {
    this.machine.connect();
  }

  /** Sends a new message (or queues it until connected); returns its clientMsgId. The body may be made from that id. */
  send(conversationId: string, bodyOf: string | ((clientMsgId: string) => string), intendedAt: number): string {
    const clientMsgId = `${this.userId}.${++this.seq}`;
    const body = typeof bodyOf === 'string' ? bodyOf : bodyOf(clientMsgId);
    this.pendingMap().set(clientMsgId, { conversationId, body, intendedAt });
    const now = this.o.recorder.now();
    this.o.recorder.sent(this, conversationId, clientMsgId, intendedAt, now, false);
    this.write(conversationId, clientMsgId, body);
    return clientMsgId;
  }

  /** Keeps presence alive (the presence server sweeps sockets silent for its TTL). */
  heartbeat(): void {
    if (this.link?.open) this.link.send('{"type":"heartbeat"}');
  }

  read(conversationId: string, messageId: string): void {
    if (this.link?.open) this.link.send(JSON.stringify({ type: 'read', conversationId, messageId }));
  }

  lastId(conversationId: string): string {
    return this.mergers.get(conversationId)?.lastId ?? '0';
  }

  /** Kills the TCP connection without a close frame (a crashed phone, a dropped network). */
  dropConnection(): void {
    this.link?.terminate();
  }

  /** Closes cleanly (close frame) and stays away until resume(). */
  disconnect(): void {
    this.stopped = true;
    this.machine.close();
    this.link?.close();
  }

  /** Comes back after disconnect(), syncing what it missed. */
  resume(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.machine = this.newMachine();
    this.machine.connect();
  }

  stop(): void {
    this.refusals?.stop();
    this.stopped = true;
    this.machine.close();
    this.link?.terminate();
  }

  private write(conversationId: string, clientMsgId: string, body: string): void {
    if (this.link?.open) this.link.send(JSON.stringify({ type: 'send', clientMsgId, conversationId, body }));
  }

  /**
   * One attempt of the reconnect machine: the gateways in turn from the current one, each tried
   * once, as a client tries every address its gateway's name resolves to before giving up. The
   * backoff waits only once none took it: a gateway that refuses (full, shedding, gone) costs
   * no wait while another has room.
   */
  private open(): Promise<void> {
    const round = ++this.rounds;
    return new Promise((resolve, reject) => this.tryGateway(round, this.o.gateways.length, resolve, reject));
  }

  private tryGateway(round: number, left: number, resolve: () => void, reject: (err: Error) => void): void {
    const base = this.o.gateways[this.gatewayIndex % this.o.gateways.length]!;
    this.o.recorder.connectAttempt(this);
    // a failed link moved gatewayIndex on (onLinkClose): the next try goes to the next gateway
    const failed = (err: Error) => (left > 1 && round === this.rounds && !this.stopped ? this.tryGateway(round, left - 1, resolve, reject) : reject(err));
    const attempt = new LinkAttempt(this, resolve, failed);
    attempt.link = openLink(this.o.transport ?? 'ws', { base, token: this.o.token, localAddress: this.o.localAddress, meter: this.o.meter }, attempt);
    this.link = attempt.link;
  }

  /** The link of the current connection attempt opened. */
  onLinkOpen(): void {
    const reconnect = this.everConnected;
    this.everConnected = true;
    this.o.recorder.connected(this, reconnect);
    if (reconnect) for (const [conv, merger] of this.mergers) if (this.members.needsSync(conv, merger.lastId)) this.syncFrom(conv, merger.beginSync());
    this.refusals?.clear();
    for (const [clientMsgId, p] of this.unacked) {
      this.o.recorder.sent(this, p.conversationId, clientMsgId, p.intendedAt, this.o.recorder.now(), true);
      this.write(p.conversationId, clientMsgId, p.body);
    }
  }

  onLinkFrame(link: ClientLink, f: { type: string } & Record<string, any>): void {
    if (this.link === link) this.onFrame(f);
  }

  /** A link closed; false when it had never opened (the attempt failed). */
  onLinkClose(link: ClientLink | null, code: number, opened: boolean): void {
    if (this.link === link) this.link = null;
    this.syncing.clear();
    if (!opened) {
      this.gatewayIndex++;
      return;
    }
    this.o.recorder.disconnected(this, code);
    if (this.stopped) return;
    // a dead gateway: try the next one; a graceful 1012 also sends us elsewhere
    if (code !== 1000) this.gatewayIndex++;
    this.machine.onDisconnect();
  }

  /**
   * `after` is exact (per conversation ids rise in publish order): the first page starts at the
   * last id shown, each next page at the top of the page before, never at the highest id seen
   * live (live messages above a page are still buffered, with unfetched ones below them).
   */
  private syncFrom(conversationId: string, after: string): void {
    this.requestSync(conversationId, after);
  }

  private requestSync(conversationId: string, after: string): void {
    this.syncingMap().set(conversationId, after);
    this.o.recorder.syncRequest(this);
    // live messages held from an earlier socket: this socket's skipPushed does not know them
    const held = this.mergers.get(conversationId)?.bufferedIds(MAX_SKIP_IDS) ?? [];
    this.link?.send(JSON.stringify({ type: 'sync', conversationId, after, limit: this.o.syncPageSize ?? 200, skipPushed: true, ...(held.length > 0 ? { skipIds: held } : {}) }));
  }

  private onFrame(f: { type: string } & Record<string, any>): void {
    const at = this.o.recorder.now();
    switch (f.type) {
      case 'message': {
        const m = f as unknown as SimMessage;
        this.o.recorder.delivered(this, m, at, false, false);
        const merger = this.mergers.get(m.conversationId);
        if (!merger) return;
        const shown = merger.onLive(m);
        for (const s of shown) {
          this.o.recorder.delivered(this, s, at, true, false);
          this.store?.add(s);
        }
        if (this.o.autoRead && shown.length > 0) this.read(m.conversationId, merger.lastId);
        return;
      }
      case 'sync_result': {
        const merger = this.mergers.get(f['conversationId']);
        if (!merger) return;
        this.syncBackoff?.reset();
        const messages = f['messages'] as SimMessage[];
        for (const m of messages) this.o.recorder.delivered(this, m, at, false, true);
        const nextAfter = (f['nextAfter'] as string | undefined) ?? messages.at(-1)?.messageId;
        for (const shown of merger.applySyncResult(messages, f['hasMore'], nextAfter)) {
          this.o.recorder.delivered(this, shown, at, true, true);
          this.store?.add(shown);
        }
        if (f['hasMore']) this.syncFrom(f['conversationId'], nextAfter ?? this.syncing.get(f['conversationId']) ?? merger.lastId);
        else this.syncing.delete(f['conversationId']);
        return;
      }
      case 'ack': {
        const mine = this.unacked.get(f['clientMsgId']);
        if (mine && this.unacked.delete(f['clientMsgId'])) {
          this.o.recorder.acked(this, f['conversationId'], f['clientMsgId'], f['messageId'], at);
          this.store?.add({ conversationId: f['conversationId'], messageId: f['messageId'], senderId: this.userId, clientMsgId: f['clientMsgId'], body: mine.body, sentAt: Math.round(at) });
        }
        this.refusals?.accepted();
        return;
      }
      case 'reconnect':
        this.machine.onReconnectFrame(f['afterMs']);
        return;
      case 'presence':
        this.o.recorder.presence?.(this, f['userId'], f['status'], at);
        return;
      case 'receipt':
        this.o.recorder.receipt?.(this, f['conversationId'], f['userId'], f['messageId'], at);
        return;
      case 'deleted': // held for a sync: never shown; stored: removed from the phone's store
        if (!this.mergers.get(f['conversationId'])?.drop(f['messageId'])) this.store?.remove(f['messageId']);
        this.o.recorder.deleted?.(this, f['conversationId'], f['messageId'], at);
        return;
      case 'member': {
        const m = f as unknown as MemberFrameSeen;
        this.o.recorder.member?.(this, m, at);
        if (m.userId === this.userId) {
          if (m.change === 'joined') this.joined(m.conversationId, m.messageId);
          else this.left(m.conversationId, m.messageId);
        }
        return;
      }
      case 'error': {
        this.o.recorder.error(this, f['code'], f['message']);
        // a send to a conversation this user was removed from: it will never be taken
        if (f['code'] === 'not_member' && f['ref']) {
          this.unacked.delete(f['ref']);
          return;
        }
        // a sync of a conversation this user left: end it (what it buffered live is shown)
        const refusedSync = f['code'] === 'not_member' ? (f['conversationId'] as string | undefined) : undefined;
        if (refusedSync && !this.members.has(refusedSync) && this.syncing.delete(refusedSync)) {
          this.members.forgetLeft(refusedSync);
          for (const shown of this.mergers.get(refusedSync)?.applySyncResult([], false) ?? []) {
            this.o.recorder.delivered(this, shown, at, true, false);
            this.store?.add(shown);
          }
          return;
        }
        // a sync the gateway could not serve (storage down): ask again for the same page
        const failedSync = f['conversationId'] as string | undefined;
        if (failedSync && this.syncing.has(failedSync)) {
          const after = this.syncing.get(failedSync)!;
          const link = this.link;
          // jittered and growing: a storage outage must not bring every client back in step
          const delay = (this.syncBackoff ??= createBackoff(jittered(this.o.backoff), this.o.rng)).next();
          setTimeout(() => {
            if (this.link === link && this.syncing.get(failedSync) === after) this.requestSync(failedSync, after);
          }, delay);
          return;
        }
        // a send the gateway could not route or make durable: try again later, same clientMsgId
        if (f['code'] === 'unavailable' && f['ref'] && this.unacked.has(f['ref'])) (this.refusals ??= new RefusalGate((id) => this.resend(id), () => this.o.rng.next())).refused(f['ref']);
        return;
      }
    }
  }

  private pendingMap(): Map<string, Pending> {
    if (this.unacked === NONE) this.unacked = new Map();
    return this.unacked;
  }

  private syncingMap(): Map<string, string> {
    if (this.syncing === NONE) this.syncing = new Map();
    return this.syncing;
  }

  private resend(clientMsgId: string): boolean {
    const p = this.unacked.get(clientMsgId);
    if (!p) return false;
    if (!this.link?.open) return true;
    this.o.recorder.sent(this, p.conversationId, clientMsgId, p.intendedAt, this.o.recorder.now(), true);
    this.write(p.conversationId, clientMsgId, p.body);
    return true;
  }
}

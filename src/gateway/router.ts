import type { Redis } from 'ioredis';
import { compareIds } from '../core/index.js';
import { decodeRoutedBuffer, idOfFrame, isEcho, type ControlMessage, type RedisKeys } from '../store/index.js';
import { FrameMemo } from './frame-memo.js';
import type { GatewayMetrics } from './metrics.js';

/** What the router needs of a connection. */
export interface RoutedSocket {
  readonly id: string;
  readonly userId: string;
  /**
   * Pushes a whole WebSocket text frame (wire-frame.ts), framed once for every socket that gets
   * it; `messageId` when the frame is a chat message.
   */
  pushWire(wire: Buffer, messageId?: string): void;
}

/**
 * The gateway's local index of sockets, and its Redis subscriptions: `inbox:<user>` while it
 * holds a socket of that user, `group:<conv>` while it holds a socket of any member of that
 * large conversation (fan-out on read).
 */
export class Router {
  private readonly byUser = new Map<string, Set<RoutedSocket>>();
  private readonly byGroup = new Map<string, Set<RoutedSocket>>();
  private readonly groupsOfUser = new Map<string, Set<string>>();
  private readonly reservations = new Map<string, number>();
  /** SUBSCRIBEs in flight, by channel. */
  private readonly pendingSubscribes = new Map<string, Promise<unknown>>();
  /** Channels whose last SUBSCRIBE was refused: not routable until subscribed again. */
  private readonly refused = new Set<string>();
  private changesSeen = 0;
  private readonly userChanges = new Map<string, number>();
  /**
   * Per group channel, sockets a routing switch caught up from `recent:<conv>` and the last id
   * they got that way (membership-routing.ts). The stream is read on another connection than the
   * channel, so the channel's copy of a frame already pushed from the stream can still be on its
   * way when the socket goes live: a frame at or below that id is not pushed to it again. The
   * first frame above it ends the watch for that socket (the channel brings frames in id order).
   */
  private readonly caughtUp = new Map<string, Map<RoutedSocket, string>>();
  /**
   * Group channels claimed by catch-ups in flight (membership-routing.ts), by how many: their
   * sockets are routed only once caught up, so until then the channel has no socket here, and a
   * member leaving it meanwhile must not unsubscribe it under them.
   */
  private readonly claims = new Map<string, number>();
  /** With inbox routing a message comes once per member: decoded and framed once (frame-memo.ts). */
  private readonly lastFrame = new FrameMemo();
  onControl: (userId: string, msg: ControlMessage) => void = () => {};
  /** A control on `members:changes`, handled before any frame published after it is dispatched. */
  onMemberChange: (msg: ControlMessage) => void = () => {};
  /** Sees every frame on a group channel first (a routing switch catching sockets up). */
  groupTap: ((conversationId: string, frame: Buffer, origin: string) => void) | undefined;

  constructor(
    private readonly sub: Redis,
    private readonly keys: RedisKeys,
    private readonly metrics: GatewayMetrics,
  ) {
    // bytes, not strings: the payload's frame goes to the sockets as it came from Redis
    sub.on('messageBuffer', (channel: Buffer, payload: Buffer) => this.dispatch(channel.toString(), payload));
  }

  get socketCount(): number {
    let n = 0;
    for (const set of this.byUser.values()) n += set.size;
    return n;
  }

  sockets(): RoutedSocket[] {
    return [...this.byUser.values()].flatMap((s) => [...s]);
  }

  /**
   * Takes a place for a user about to connect, synchronously with the per-user cap check (no
   * await between them, so concurrent upgrades cannot all pass the check): false beyond `cap`.
   * Subscribes to the user's inbox if nobody here had it. Each reservation is followed by
   * `add` or `release`.
   */
  tryReserve(userId: string, cap: number): boolean {
    if (this.countOf(userId) >= cap) return false;
    this.reservations.set(userId, (this.reservations.get(userId) ?? 0) + 1);
    const inbox = this.keys.inbox(userId);
    if (!this.byUser.has(userId)) {
      this.byUser.set(userId, new Set());
      this.subscribe(inbox);
    } else if (this.refused.has(inbox)) this.subscribe(inbox);
    if (!this.groupsOfUser.has(userId)) this.groupsOfUser.set(userId, new Set());
    return true;
  }

  /**
   * Routes a reserved user's large groups, and returns once every channel the new socket needs
   * is subscribed (so that once the client sees the socket open it is routable); rejects if a
   * SUBSCRIBE was refused (the caller releases the reservation).
   */
  async routeReserved(userId: string, largeGroups: readonly string[]): Promise<void> {
    const groups = this.groupsOfUser.get(userId);
    if (!groups) throw new Error(`no reservation for ${userId}`);
    const subscribe: string[] = [];
    for (const conv of largeGroups) {
      groups.add(conv);
      if (!this.byGroup.has(conv)) {
        this.byGroup.set(conv, new Set());
        subscribe.push(this.keys.group(conv));
      }
    }
    if (subscribe.length > 0) this.subscribe(...subscribe);
    await this.subscribed([this.keys.inbox(userId), ...[...groups].map((c) => this.keys.group(c))]);
  }

  /** Reserve and route at once (no cap). */
  async reserve(userId: string, largeGroups: readonly string[]): Promise<void> {
    this.tryReserve(userId, Infinity);
    await this.routeReserved(userId, largeGroups);
  }

  /**
   * Member changes that concern a user, counted while the user has a reservation: admission
   * reads the user's groups across an await and reads them again if this moved meanwhile (a
   * change handled in that gap would otherwise be undone by the older read).
   */
  changesOf(userId: string): number {
    return this.changesSeen + (this.userChanges.get(userId) ?? 0);
  }

  /** A member change concerned these users (all reserved users when `everyone`). */
  noteChange(userIds: readonly string[], everyone = false): void {
    if (this.reservations.size === 0) return;
    if (everyone) {
      this.changesSeen++;
      return;
    }
    for (const u of userIds) if (this.reservations.has(u)) this.userChanges.set(u, (this.userChanges.get(u) ?? 0) + 1);
  }

  /** Whether the user has a socket or a reservation here. */
  hasUser(userId: string): boolean {
    return this.byUser.has(userId);
  }

  private subscribe(...channels: string[]): Promise<unknown> {
    this.countChanges('subscribe', channels);
    const p = this.sub.subscribe(...channels);
    for (const c of channels) {
      this.pendingSubscribes.set(c, p);
      this.refused.delete(c);
    }
    const done = (ok: boolean) => {
      for (const c of channels) {
        if (this.pendingSubscribes.get(c) !== p) continue;
        this.pendingSubscribes.delete(c);
        if (!ok) this.refused.add(c);
      }
    };
    // whoever needs the channel awaits p or sees it in `refused`; nothing here is left unhandled
    p.then(
      () => done(true),
      () => done(false),
    );
    return p;
  }

  /** Resolves once none of these channels has a SUBSCRIBE in flight; rejects if one was refused. */
  private async subscribed(channels: readonly string[]): Promise<void> {
    const pending = new Set<Promise<unknown>>();
    for (const c of channels) {
      const p = this.pendingSubscribes.get(c);
      if (p) pending.add(p);
    }
    if (pending.size > 0) await Promise.all(pending);
    const refused = channels.find((c) => this.refused.has(c));
    if (refused !== undefined) throw new Error(`SUBSCRIBE ${refused} was refused`);
  }

  private unsubscribe(...channels: string[]): void {
    for (const c of channels) this.refused.delete(c);
    this.countChanges('unsubscribe', channels);
    void this.sub.unsubscribe(...channels).catch(() => {});
  }

  private countChanges(op: 'subscribe' | 'unsubscribe', channels: string[]): void {
    const groups = channels.filter((c) => c.startsWith(this.keys.groupPrefix)).length;
    if (groups > 0) this.metrics.subscriptionChanges.inc({ op, channel: 'group' }, groups);
    if (channels.length > groups) this.metrics.subscriptionChanges.inc({ op, channel: 'inbox' }, channels.length - groups);
  }

  /** Sockets of a user here, open or still in their handshake (the per-user cap counts both). */
  countOf(userId: string): number {
    return (this.byUser.get(userId)?.size ?? 0) + (this.reservations.get(userId) ?? 0);
  }

  /** The reserved socket is open: route to it. */
  add(socket: RoutedSocket): void {
    this.unreserve(socket.userId);
    this.byUser.get(socket.userId)!.add(socket);
    for (const conv of this.groupsOfUser.get(socket.userId) ?? []) this.addToGroup(conv, socket);
  }

  /** The handshake failed after reserve. */
  release(userId: string): void {
    this.unreserve(userId);
    this.cleanup(userId);
  }

  private unreserve(userId: string): void {
    const n = (this.reservations.get(userId) ?? 1) - 1;
    if (n <= 0) {
      this.reservations.delete(userId);
      this.userChanges.delete(userId);
    } else this.reservations.set(userId, n);
  }

  // --- member changes (membership-routing.ts): synchronous, so exact in publish order ---

  /** The open sockets of a user here. */
  socketsOfUser(userId: string): RoutedSocket[] {
    return [...(this.byUser.get(userId) ?? [])];
  }

  /** Users with a socket (or a reservation) here. */
  localUsers(): string[] {
    return [...this.byUser.keys()];
  }

  /** Routes the user's sockets here on the group channel from now on; true if a SUBSCRIBE is needed. */
  routeGroup(userId: string, conv: string): boolean {
    const mine = this.byUser.get(userId);
    if (!mine) return false;
    this.groupsOfUser.get(userId)?.add(conv);
    let subscribe = false;
    for (const socket of mine) subscribe = this.addToGroup(conv, socket) || subscribe;
    return subscribe;
  }

  /** Whether the group channel is subscribed here, its SUBSCRIBE done (frames published from now on come). */
  groupLive(conv: string): boolean {
    const channel = this.keys.group(conv);
    return this.byGroup.has(conv) && !this.pendingSubscribes.has(channel) && !this.refused.has(channel);
  }

  /**
   * Claims the group channel for sockets that are catching up: SUBSCRIBEs if nobody here had it,
   * and returns once the SUBSCRIBE (this one or one in flight) took effect.
   */
  async subscribeGroup(conv: string): Promise<void> {
    this.claims.set(conv, (this.claims.get(conv) ?? 0) + 1);
    const channel = this.keys.group(conv);
    if (!this.byGroup.has(conv)) {
      this.byGroup.set(conv, new Set());
      this.subscribe(channel);
    } else if (this.refused.has(channel)) this.subscribe(channel);
    await this.subscribed([channel]);
  }

  /**
   * A catch-up that called subscribeGroup is over (its sockets routed, or given up): the channel
   * is left if nobody here needs it any more.
   */
  releaseGroup(conv: string): void {
    const n = (this.claims.get(conv) ?? 1) - 1;
    if (n > 0) return void this.claims.set(conv, n);
    this.claims.delete(conv);
    if ((this.byGroup.get(conv)?.size ?? 0) === 0 && !this.wanted(conv)) this.dropGroup(conv);
  }

  /** Whether the group channel is still the conversation's route here (dropGroup was not called since it was claimed). */
  hasGroup(conv: string): boolean {
    return this.byGroup.has(conv);
  }

  /** A user here (with a socket or a reservation) is routed to the channel, or a catch-up claims it. */
  private wanted(conv: string): boolean {
    return this.claims.has(conv) || [...this.groupsOfUser.values()].some((g) => g.has(conv));
  }

  /** These sockets got every frame of the group channel up to `upTo` from the stream. */
  caughtUpTo(conv: string, sockets: RoutedSocket[], upTo: string): void {
    if (sockets.length === 0) return;
    const watch = this.caughtUp.get(conv) ?? new Map<RoutedSocket, string>();
    for (const socket of sockets) {
      const before = watch.get(socket);
      if (before === undefined || compareIds(upTo, before) > 0) watch.set(socket, upTo);
    }
    this.caughtUp.set(conv, watch);
  }

  /** The user's sockets get nothing more from the group channel (a removed member). */
  unrouteGroup(userId: string, conv: string): void {
    this.groupsOfUser.get(userId)?.delete(conv);
    const members = this.byGroup.get(conv);
    if (!members) return;
    for (const socket of this.byUser.get(userId) ?? []) {
      members.delete(socket);
      this.caughtUp.get(conv)?.delete(socket);
    }
    if (members.size === 0 && !this.wanted(conv)) this.dropGroup(conv);
  }

  /** Routing of the conversation left the group channel (it shrank below the threshold). */
  dropGroup(conv: string): void {
    for (const groups of this.groupsOfUser.values()) groups.delete(conv);
    this.caughtUp.delete(conv);
    if (!this.byGroup.delete(conv)) return;
    this.unsubscribe(this.keys.group(conv));
  }

  remove(socket: RoutedSocket): void {
    if (!this.byUser.get(socket.userId)?.delete(socket)) return;
    for (const conv of this.groupsOfUser.get(socket.userId) ?? []) {
      this.byGroup.get(conv)?.delete(socket);
      this.caughtUp.get(conv)?.delete(socket);
    }
    this.cleanup(socket.userId);
  }

  /** Drops subscriptions nobody here needs any more. */
  private cleanup(userId: string): void {
    if ((this.byUser.get(userId)?.size ?? 0) > 0 || this.reservations.has(userId)) return;
    const unsubscribe = [this.keys.inbox(userId)];
    this.byUser.delete(userId);
    for (const conv of this.groupsOfUser.get(userId) ?? []) {
      if ((this.byGroup.get(conv)?.size ?? 0) > 0 || this.claims.has(conv)) continue;
      if ([...this.reservations.keys()].some((u) => this.groupsOfUser.get(u)?.has(conv))) continue;
      this.byGroup.delete(conv);
      unsubscribe.push(this.keys.group(conv));
    }
    this.groupsOfUser.delete(userId);
    this.unsubscribe(...unsubscribe);
  }

  private addToGroup(conv: string, socket: RoutedSocket): boolean {
    let members = this.byGroup.get(conv);
    const isNew = !members;
    if (!members) {
      members = new Set();
      this.byGroup.set(conv, members);
    }
    members.add(socket);
    return isNew;
  }

  /** Payloads are decoded by the store's fanout module, which owns their format. */
  private dispatch(channel: string, payload: Buffer): void {
    if (channel === this.keys.memberChanges) {
      const routed = decodeRoutedBuffer(payload);
      if (routed?.kind === 'control') this.onMemberChange(routed.control);
      return;
    }
    const routed = this.lastFrame.decode(payload);
    if (!routed) return;
    if (this.groupTap && routed.kind === 'frame' && channel.startsWith(this.keys.groupPrefix)) this.groupTap(channel.slice(this.keys.groupPrefix.length), routed.frame, routed.origin);
    if (routed.kind === 'control') {
      // control messages address a user's gateways, so they come on inbox channels only
      if (channel.startsWith(this.keys.inboxPrefix)) this.onControl(channel.slice(this.keys.inboxPrefix.length), routed.control);
      return;
    }
    const targets = this.socketsOf(channel);
    if (!targets || targets.size === 0) return;
    const groupConv = this.caughtUp.size > 0 && channel.startsWith(this.keys.groupPrefix) ? channel.slice(this.keys.groupPrefix.length) : undefined;
    const watch = groupConv === undefined ? undefined : this.caughtUp.get(groupConv);
    const frameId = watch ? idOfFrame(routed.frame) : undefined;
    // one WebSocket frame for all the sockets: no per-socket encoding, header or writev
    let wire: Buffer | undefined;
    let messageId: string | undefined;
    let pushed = 0;
    for (const socket of targets) {
      if (isEcho(routed, socket.id)) continue;
      if (watch && frameId !== undefined) {
        const upTo = watch.get(socket);
        if (upTo !== undefined) {
          if (compareIds(frameId, upTo) <= 0) continue; // pushed from the stream already
          watch.delete(socket);
          if (watch.size === 0) this.caughtUp.delete(groupConv!);
        }
      }
      if (!wire) ({ wire, messageId } = this.lastFrame.wire(routed));
      socket.pushWire(wire, messageId);
      pushed++;
    }
    if (pushed > 0) {
      const { sentAt } = routed;
      this.metrics.deliveries.record(pushed, sentAt > 0 ? Math.max(0, Date.now() - sentAt) / 1000 : undefined);
    }
  }

  private socketsOf(channel: string): Set<RoutedSocket> | undefined {
    if (channel.startsWith(this.keys.inboxPrefix)) return this.byUser.get(channel.slice(this.keys.inboxPrefix.length));
    if (channel.startsWith(this.keys.groupPrefix)) return this.byGroup.get(channel.slice(this.keys.groupPrefix.length));
    return undefined;
  }
}

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
  /**
   * Per group channel, sockets a routing switch caught up from `recent:<conv>` and the last id
   * they got that way (membership-routing.ts). The stream is read on another connection than the
   * channel, so the channel's copy of a frame already pushed from the stream can still be on its
   * way when the socket goes live: a frame at or below that id is not pushed to it again. The
   * first frame above it ends the watch for that socket (the channel brings frames in id order).
   */
  private readonly caughtUp = new Map<string, Map<RoutedSocket, string>>();
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
   * Subscribes for a user about to connect, before the handshake completes, so that once the
   * client sees the socket open it is routable. Each reserve is followed by add or release.
   */
  async reserve(userId: string, largeGroups: string[]): Promise<void> {
    this.reservations.set(userId, (this.reservations.get(userId) ?? 0) + 1);
    const subscribe: string[] = [];
    if (!this.byUser.has(userId)) {
      this.byUser.set(userId, new Set());
      subscribe.push(this.keys.inbox(userId));
    }
    const groups = this.groupsOfUser.get(userId) ?? new Set<string>();
    this.groupsOfUser.set(userId, groups);
    for (const conv of largeGroups) {
      groups.add(conv);
      if (!this.byGroup.has(conv)) {
        this.byGroup.set(conv, new Set());
        subscribe.push(this.keys.group(conv));
      }
    }
    if (subscribe.length > 0) await this.subscribe(...subscribe);
  }

  private subscribe(...channels: string[]): Promise<unknown> {
    this.countChanges('subscribe', channels);
    return this.sub.subscribe(...channels);
  }

  private unsubscribe(...channels: string[]): void {
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
    if (n <= 0) this.reservations.delete(userId);
    else this.reservations.set(userId, n);
  }

  /** A user joined a large conversation while connected here: route its sockets too. */
  async joinGroup(userId: string, conv: string): Promise<void> {
    const mine = this.byUser.get(userId);
    if (!mine) return;
    this.groupsOfUser.get(userId)?.add(conv);
    let subscribe = false;
    for (const socket of mine) subscribe = this.addToGroup(conv, socket) || subscribe;
    if (subscribe) await this.subscribe(this.keys.group(conv));
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

  /** Whether this gateway is subscribed to the group channel (or subscribing). */
  hasGroup(conv: string): boolean {
    return this.byGroup.has(conv);
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

  /** Claims the group channel for sockets that are catching up: SUBSCRIBEs if nobody here had it. */
  async subscribeGroup(conv: string): Promise<void> {
    if (this.byGroup.has(conv)) return;
    this.byGroup.set(conv, new Set());
    await this.subscribe(this.keys.group(conv));
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
    if (members.size === 0 && ![...this.groupsOfUser.values()].some((g) => g.has(conv))) this.dropGroup(conv);
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
      if ((this.byGroup.get(conv)?.size ?? 0) > 0) continue;
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

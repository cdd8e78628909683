import type { Redis } from 'ioredis';
import { compareIds, errorMessage } from '../core/index.js';
import { deletedIds, idOfFrame, messageFrameJson, usesGroupChannel, type ControlMessage, type RedisKeys, type RoutingPolicy } from '../store/index.js';
import type { CachedConversations } from './context.js';
import type { Router, RoutedSocket } from './router.js';
import { textFrame } from './wire-frame.js';

/** A frame read back from `recent:<conv>` (a message or a member change), with the socket that sent it. */
interface StreamFrame {
  id: string;
  origin: string;
  frameJson: string;
}

interface CatchUp {
  users: string[];
  /** Frames the group channel brought while the stream was being read. */
  buffer: StreamFrame[];
}

/**
 * What a gateway does when it hears a member change on `members:changes` (src/store/membership.ts).
 * The control arrives on the subscriber connection before any frame published after the change,
 * and is handled synchronously, so:
 * - a removed member's sockets leave the group channel before the next frame is dispatched;
 * - a conversation that shrank below the threshold stops being read from its group channel
 *   (later messages go to the inboxes, which the members' gateways already hear);
 * - sockets that must start reading a group channel this gateway was already subscribed to
 *   are routed at once. A new SUBSCRIBE takes a round trip, so those sockets are caught up from
 *   `recent:<conv>` from the change's id on, then routed live: the frames the channel brought
 *   meanwhile are buffered and only those above the last one read from the stream are pushed,
 *   and the channel's copies that arrive after the socket went live (the stream is read on
 *   another connection, so they can trail its reply) are not pushed again (Router.caughtUpTo).
 *   Nothing is lost or pushed twice across the switch.
 */
export class MembershipRouting {
  private readonly catching = new Map<string, CatchUp[]>();

  constructor(
    private readonly deps: {
      router: Router;
      conversations: CachedConversations;
      redis: Redis;
      keys: RedisKeys;
      policy: RoutingPolicy;
      /** Sockets that could not be caught up are sent away to reconnect and sync. */
      resync(socket: RoutedSocket): void;
      log(line: string): void;
      /** Counts changes applied here (one per user). */
      applied?(n: number): void;
    },
  ) {
    deps.router.onMemberChange = (msg) => this.onChange(msg);
    deps.router.onControl = (userId, msg) => this.onInboxNotice(userId, msg);
    deps.router.groupTap = (conv, frame, origin) => {
      if (this.catching.has(conv)) this.tap(conv, frame, origin);
    };
  }

  onChange(msg: ControlMessage): void {
    if (msg.op !== 'member') return;
    const { router, policy } = this.deps;
    this.deps.applied?.(msg.userIds.length);
    this.deps.conversations.applyChange(msg);
    const conv = msg.conversationId;
    const wasGroup = usesGroupChannel(policy, msg.sizeBefore);
    const isGroup = usesGroupChannel(policy, msg.sizeAfter);
    // an admission reading the groups of a user concerned reads them again
    router.noteChange(msg.userIds, wasGroup !== isGroup);
    if (msg.change === 'left') for (const u of msg.userIds) router.unrouteGroup(u, conv);
    if (wasGroup && !isGroup) router.dropGroup(conv);
    if (!isGroup) return;
    const concerned = wasGroup ? (msg.change === 'joined' ? msg.userIds : []) : (msg.members ?? []);
    // users still in their handshake too: their groups may have been read before this change
    const local = concerned.filter((u) => router.hasUser(u));
    if (local.length === 0) return;
    if (router.groupLive(conv) && !this.catching.has(conv)) {
      for (const u of local) router.routeGroup(u, conv);
      return;
    }
    void this.catchUp(conv, local, msg.ids[0]!);
  }

  /**
   * "You are in a new large group" on the user's inbox (sent once it is created): route their
   * sockets here to its channel, caught up from `recent:<conv>` as a member change is (the
   * creator may send before this gateway's SUBSCRIBE takes effect). A refused SUBSCRIBE sends
   * them away to reconnect and sync (catchUp); it never ends the process.
   */
  onInboxNotice(userId: string, msg: ControlMessage): void {
    if (msg.op !== 'joined' || !usesGroupChannel(this.deps.policy, msg.size)) return;
    const { router } = this.deps;
    const conv = msg.conversationId;
    if (!router.hasUser(userId)) return;
    // Subscribed already: every frame of the channel published after the notice comes after it.
    if (router.groupLive(conv) && !this.catching.has(conv)) {
      router.routeGroup(userId, conv);
      return;
    }
    // A new SUBSCRIBE: what the creator sent before it took effect never comes on the channel.
    // The conversation is new, so its whole stream is what the user has missed.
    void this.catchUp(conv, [userId], '0');
  }

  private tap(conv: string, frame: Buffer, origin: string): void {
    const pending = this.catching.get(conv);
    if (!pending) return;
    const id = idOfFrame(frame);
    if (!id) return;
    const frameJson = frame.toString('utf8');
    for (const c of pending) c.buffer.push({ id, origin, frameJson });
  }

  private async catchUp(conv: string, users: string[], fromId: string): Promise<void> {
    const { router } = this.deps;
    const job: CatchUp = { users, buffer: [] };
    const list = this.catching.get(conv) ?? [];
    list.push(job);
    this.catching.set(conv, list);
    try {
      await router.subscribeGroup(conv);
      const frames = await this.readFrom(conv, fromId);
      // from here on synchronous: nothing is dispatched between the catch-up and going live
      let last = '0';
      const push = (f: StreamFrame) => {
        const wire = textFrame(Buffer.from(f.frameJson));
        for (const u of users) for (const socket of router.socketsOfUser(u)) if (f.origin !== socket.id) socket.pushWire(wire);
        last = f.id;
      };
      for (const f of frames) push(f);
      for (const f of job.buffer) if (compareIds(f.id, last) > 0) push(f);
      // the channel's own copy of what was just pushed may still be on its way: not again
      if (last !== '0') router.caughtUpTo(conv, users.flatMap((u) => router.socketsOfUser(u)), last);
      for (const u of users) router.routeGroup(u, conv);
    } catch (err) {
      this.deps.log(`catching up ${conv} after a member change failed: ${errorMessage(err)}; its sockets resync`);
      for (const u of users) for (const socket of router.socketsOfUser(u)) this.deps.resync(socket);
    } finally {
      const rest = (this.catching.get(conv) ?? []).filter((j) => j !== job);
      if (rest.length > 0) this.catching.set(conv, rest);
      else this.catching.delete(conv);
    }
  }

  /** Every frame in `recent:<conv>` from `fromId` (inclusive), oldest first. */
  private async readFrom(conv: string, fromId: string): Promise<StreamFrame[]> {
    const { redis, keys } = this.deps;
    const [entries, deletedMembers] = await Promise.all([
      redis.xrange(keys.recent(conv), `${fromId}-0`, '+') as Promise<Array<[string, string[]]>>,
      redis.zrangebylex(keys.deleted(conv), '-', '+'),
    ]);
    // a deleted message's entry stays in the stream; its members were sent `deleted` already
    const deleted = deletedIds(deletedMembers);
    const out: StreamFrame[] = [];
    for (const [streamId, fields] of entries) {
      if (deleted.has(streamId.split('-')[0]!)) continue;
      const f: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
      const frameJson = f['m'] ? messageFrameJson(f['m']) : f['f'];
      if (frameJson) out.push({ id: streamId.split('-')[0]!, origin: f['o'] ?? '', frameJson });
    }
    return out;
  }
}

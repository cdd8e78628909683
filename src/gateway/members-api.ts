import { ChatlabError, ErrorCodes, MetricNames, counter, errorMessage, parseSnowflake, type Counter, type MembersResponse } from '../core/index.js';
import { forgetRecorded, publishMemberChange, unrecordedChanges, usesGroupChannel, type Conversation, type MemberChangeControl } from '../store/index.js';
import type { GatewayContext } from './context.js';
import { MAX_MEMBERSHIP_RETRIES, MAX_REMINTS, MAX_REMINT_WAIT_MS } from './send.js';

/**
 * `POST /v1/conversations/:id/members` and `DELETE /v1/conversations/:id/members/:userId`
 * (docs/protocol.md, Member changes). The change is read against the conversation as Redis has it now, minted,
 * and applied by one script that refuses it if the membership moved meanwhile (then it is
 * read and tried again) or if its id is not above the conversation's last (minted again).
 */
export async function changeMembers(ctx: GatewayContext, callerId: string, conversationId: string, change: 'joined' | 'left', userIds: readonly string[], log: (line: string) => void = () => {}): Promise<MembersResponse> {
  const beyondCap = () => new ChatlabError(ErrorCodes.BAD_REQUEST, `userIds: at most ${ctx.options.maxMembers} members (the member cap)`);
  // the ids are distinct (checked at the edge) and all members afterwards: more than the cap
  // is refused before anything is read or compared
  if (change === 'joined' && userIds.length > ctx.options.maxMembers) throw beyondCap();
  for (let attempt = 0; attempt <= MAX_MEMBERSHIP_RETRIES + MAX_REMINTS; attempt++) {
    const conversation = await ctx.conversations.raw.get(conversationId);
    if (!conversation) throw new ChatlabError(ErrorCodes.NOT_FOUND, `no conversation ${conversationId}`);
    // one Set, so a request of n ids against m members costs n + m, not n × m
    const current = new Set(conversation.members);
    if (!current.has(callerId)) throw new ChatlabError(ErrorCodes.FORBIDDEN, `${callerId} is not a member of ${conversationId}`);
    if (conversation.kind === 'direct') throw new ChatlabError(ErrorCodes.BAD_REQUEST, 'a direct conversation stays two-member: create a group instead');
    const users = change === 'joined' ? userIds.filter((u) => !current.has(u)) : [...userIds];
    if (change === 'left') {
      for (const u of users) if (!current.has(u)) throw new ChatlabError(ErrorCodes.NOT_FOUND, `${u} is not a member of ${conversationId}`);
      if (users.length >= conversation.members.length) throw new ChatlabError(ErrorCodes.BAD_REQUEST, 'the last member cannot leave');
    }
    const sizeAfter = conversation.members.length + (change === 'joined' ? users.length : -users.length);
    if (sizeAfter > ctx.options.maxMembers) throw beyondCap();
    if (users.length === 0) return { conversationId, members: conversation.members, changes: [] };

    const ids: string[] = [];
    for (let i = 0; i < users.length; i++) ids.push(await ctx.minter.next());
    const leaving = new Set(change === 'left' ? users : []);
    const after = change === 'joined' ? [...conversation.members, ...users] : conversation.members.filter((m) => !leaving.has(m));
    const control = controlOf(ctx, conversation, change, users, ids, after);
    const isGroup = usesGroupChannel(ctx.options, sizeAfter);
    const audience = change === 'joined' ? after : conversation.members;
    const result = await publishMemberChange(ctx.redis, ctx.keys, {
      control,
      channels: isGroup ? [ctx.keys.group(conversationId)] : audience.map((m) => ctx.keys.inbox(m)),
      alsoUserInbox: isGroup && change === 'left',
    });
    if (result.outcome === 'stale') {
      const aheadMs = parseSnowflake(result.topId).timestampMs - Date.now();
      if (aheadMs > MAX_REMINT_WAIT_MS) break;
      await new Promise((r) => setTimeout(r, Math.max(1, aheadMs + 1)));
      continue;
    }
    if (result.outcome === 'moved') continue;
    ctx.metrics.publishes.inc({ channel: isGroup ? 'group' : 'inbox' }, (isGroup ? 1 : audience.length) * users.length);
    changesCounter(ctx).inc({ change }, users.length);
    await recordChange(ctx, control, log);
    return { conversationId, members: after, changes: users.map((userId, i) => ({ userId, change, messageId: ids[i]! })) };
  }
  throw new ChatlabError(ErrorCodes.UNAVAILABLE, `the members of ${conversationId} kept changing: try again`);
}

/** Per gateway: conversations whose changes wait for Cassandra, each a chain in change order. */
const behind = new WeakMap<object, Map<string, Promise<void>>>();
const RECORD_RETRY_MAX_MS = 5000;
const RECORD_GIVE_UP_MS = 10 * 60_000;

/**
 * Cassandra follows Redis. Once Redis took a change it is in effect on every gateway (frames
 * sent, routing switched), so answering 503 would tell the caller it failed when it did not,
 * and a retried join would then find nothing to do and its record would never be written. So
 * a change Cassandra refuses is answered 200 and recorded behind the answer, retried until
 * Cassandra takes it; later changes of that conversation queue behind it, so Cassandra gets
 * them in order (its members set and user index are not commutative).
 */
async function recordChange(ctx: GatewayContext, control: MemberChangeControl, log: (line: string) => void): Promise<void> {
  let chains = behind.get(ctx);
  if (!chains) behind.set(ctx, (chains = new Map()));
  const conv = control.conversationId;
  const pending = chains.get(conv);
  if (!pending) {
    let recorded = false;
    try {
      await ctx.conversations.raw.recordChange(control);
      recorded = true;
    } catch (err) {
      log(`member change ${control.to} of ${conv}: Cassandra refused its record (${errorMessage(err)}); retrying behind the answer`);
    }
    if (recorded) return forget(ctx, control);
  }
  const next = (pending ?? Promise.resolve()).then(() => recordWithRetries(ctx, control, log));
  chains.set(conv, next);
  void next.finally(() => {
    if (chains.get(conv) === next) chains.delete(conv);
  });
}

async function recordWithRetries(ctx: GatewayContext, control: MemberChangeControl, log: (line: string) => void): Promise<void> {
  const start = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      await ctx.conversations.raw.recordChange(control);
      if (attempt > 0) log(`member change ${control.to} of ${control.conversationId} recorded in Cassandra after ${attempt + 1} attempts`);
      return forget(ctx, control);
    } catch (err) {
      if (Date.now() - start > RECORD_GIVE_UP_MS) {
        log(`member change ${control.to} of ${control.conversationId}: not recorded in Cassandra after ${RECORD_GIVE_UP_MS / 60_000} min, given up (${errorMessage(err)})`);
        return;
      }
      await new Promise((r) => setTimeout(r, Math.min(RECORD_RETRY_MAX_MS, 250 * 2 ** attempt)));
    }
  }
}

/** Off the list of changes to record (a failure leaves it there: recorded again later, the same rows). */
async function forget(ctx: GatewayContext, control: MemberChangeControl): Promise<void> {
  await forgetRecorded(ctx.redis, ctx.keys, control).catch(() => {});
}

/**
 * Records in Cassandra, oldest first, the changes Redis took more than `afterMs` ago that nobody
 * has recorded: their gateway died between the two (kill -9), or is still retrying. Every gateway
 * sweeps now and then; a change recorded twice writes the same rows. Returns how many.
 */
export async function recordUnrecorded(ctx: Pick<GatewayContext, 'redis' | 'keys' | 'conversations'>, afterMs: number): Promise<number> {
  const now = Date.now();
  const due = (await unrecordedChanges(ctx.redis, ctx.keys)).filter((c) => now - parseSnowflake(c.to).timestampMs >= afterMs);
  for (const control of due) {
    await ctx.conversations.raw.recordChange(control);
    await forgetRecorded(ctx.redis, ctx.keys, control);
  }
  return due.length;
}

const counters = new WeakMap<object, Counter>();
/** `chatlab_member_changes_total`: one per user joined or left, kept by the gateway that made the change. */
function changesCounter(ctx: GatewayContext): Counter {
  let c = counters.get(ctx.metrics.registry);
  if (!c) counters.set(ctx.metrics.registry, (c = counter(ctx.metrics.registry, MetricNames.memberChanges, 'members joined or left (one per user), counted by the gateway that made the change', ['change'])));
  return c;
}

function controlOf(ctx: GatewayContext, c: Conversation, change: 'joined' | 'left', userIds: string[], ids: string[], after: string[]): MemberChangeControl {
  const crossesUp = usesGroupChannel(ctx.options, after.length) && !usesGroupChannel(ctx.options, c.members.length);
  return {
    op: 'member',
    conversationId: c.conversationId,
    change,
    userIds,
    ids,
    from: c.version,
    to: ids.at(-1)!,
    sizeBefore: c.members.length,
    sizeAfter: after.length,
    ...(crossesUp ? { members: after } : {}),
  };
}

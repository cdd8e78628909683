import { ChatlabError, ErrorCodes, counter, parseSnowflake, type Counter, type MembersResponse } from '../core/index.js';
import { publishMemberChange, usesGroupChannel, type Conversation, type MemberChangeControl } from '../store/index.js';
import type { GatewayContext } from './context.js';
import { MAX_MEMBERSHIP_RETRIES, MAX_REMINTS, MAX_REMINT_WAIT_MS } from './send.js';

/**
 * `POST /v1/conversations/:id/members` and `DELETE /v1/conversations/:id/members/:userId`
 * (PROTOCOL.md). The change is read against the conversation as Redis has it now, minted,
 * and applied by one script that refuses it if the membership moved meanwhile (then it is
 * read and tried again) or if its id is not above the conversation's last (minted again).
 */
export async function changeMembers(ctx: GatewayContext, callerId: string, conversationId: string, change: 'joined' | 'left', userIds: readonly string[]): Promise<MembersResponse> {
  for (let attempt = 0; attempt <= MAX_MEMBERSHIP_RETRIES + MAX_REMINTS; attempt++) {
    const conversation = await ctx.conversations.raw.get(conversationId);
    if (!conversation) throw new ChatlabError(ErrorCodes.NOT_FOUND, `no conversation ${conversationId}`);
    if (!conversation.members.includes(callerId)) throw new ChatlabError(ErrorCodes.FORBIDDEN, `${callerId} is not a member of ${conversationId}`);
    if (conversation.kind === 'direct') throw new ChatlabError(ErrorCodes.BAD_REQUEST, 'a direct conversation stays two-member: create a group instead');
    const users = change === 'joined' ? userIds.filter((u) => !conversation.members.includes(u)) : [...userIds];
    if (change === 'left') {
      for (const u of users) if (!conversation.members.includes(u)) throw new ChatlabError(ErrorCodes.NOT_FOUND, `${u} is not a member of ${conversationId}`);
      if (users.length >= conversation.members.length) throw new ChatlabError(ErrorCodes.BAD_REQUEST, 'the last member cannot leave');
    }
    const sizeAfter = conversation.members.length + (change === 'joined' ? users.length : -users.length);
    if (sizeAfter > ctx.options.maxMembers) throw new ChatlabError(ErrorCodes.BAD_REQUEST, `userIds: at most ${ctx.options.maxMembers} members (the member cap)`);
    if (users.length === 0) return { conversationId, members: conversation.members, changes: [] };

    const ids: string[] = [];
    for (let i = 0; i < users.length; i++) ids.push(await ctx.minter.next());
    const after = change === 'joined' ? [...conversation.members, ...users] : conversation.members.filter((m) => !users.includes(m));
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
    await ctx.conversations.raw.recordChange(control);
    return { conversationId, members: after, changes: users.map((userId, i) => ({ userId, change, messageId: ids[i]! })) };
  }
  throw new ChatlabError(ErrorCodes.UNAVAILABLE, `the members of ${conversationId} kept changing: try again`);
}

const counters = new WeakMap<object, Counter>();
/** `chatlab_member_changes_total`: one per user joined or left, kept by the gateway that made the change. */
function changesCounter(ctx: GatewayContext): Counter {
  let c = counters.get(ctx.metrics.registry);
  if (!c) counters.set(ctx.metrics.registry, (c = counter(ctx.metrics.registry, 'chatlab_member_changes_total', 'members joined or left (one per user), counted by the gateway that made the change', ['change'])));
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

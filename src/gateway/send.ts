import { ChatlabError, ErrorCodes, errorMessage, parseSnowflake, type AckFrame, type Clock, type ErrorFrameCode, type Message, type SendFrame } from '../core/index.js';
import { conversationChannels, messageRecord, publishMessage, type PublishedMessage } from '../store/index.js';
import type { GatewayContext } from './context.js';

/** The socket a send came from, as the send path needs it. */
export interface Sender {
  readonly id: string;
  readonly userId: string;
}

/** What the sender is told: the ack, or an error about its clientMsgId. */
export type SendReply = { ok: true; ack: AckFrame } | { ok: false; code: ErrorFrameCode; message: string; ref: string };

/**
 * A refused send is answered at once. A routed one (its id took its place in the conversation)
 * is answered once Kafka has it: the ack means durable.
 */
export type SendOutcome = { routed: false; reply: SendReply } | { routed: true; reply: Promise<SendReply> };

/** Ids minted again when another gateway published a higher id to the conversation first. */
export const MAX_REMINTS = 5;
/** A conversation whose last id is further ahead of our clock than this is refused, not waited for. */
export const MAX_REMINT_WAIT_MS = 200;
/** Times a send is routed again after a member change moved the membership under it. */
export const MAX_MEMBERSHIP_RETRIES = 5;

/**
 * The send path: membership → room in the Kafka queue → Snowflake id → one Redis script
 * (dedupe claim, recent stream, publish to inboxes or the group channel) → Kafka; the sender's
 * ack waits for Kafka. An id not above the conversation's last one is minted again, so ids
 * rise in publish order. A re-sent clientMsgId (same sender) gets the stored original message,
 * published nowhere again but produced again (storage is idempotent on messageId), so a send
 * whose ack was lost is durable; the new frame's body is never stored.
 * Resolves when the routing step is over, so the socket's next send may start.
 */
export async function handleSend(ctx: GatewayContext, sender: Sender, frame: SendFrame): Promise<SendOutcome> {
  const refuse = (code: ErrorFrameCode, message: string): SendOutcome => ({ routed: false, reply: { ok: false, code, message, ref: frame.clientMsgId } });
  let conversation = await ctx.conversations.get(frame.conversationId);
  if (!conversation) return refuse('unknown_conversation', `no conversation ${frame.conversationId}`);
  // Refused before anything is published: a message on the hot path must be one Kafka will take.
  if (ctx.producer.full) return refuse('unavailable', 'the Kafka queue is full, send again with the same clientMsgId');

  let result: PublishedMessage = { outcome: 'moved', version: conversation.version };
  let kind: 'group' | 'inbox' = 'inbox';
  let channels: string[] = [];
  // A member change between reading the membership and publishing is refused by the script
  // ('moved'): the conversation is read again and routed with its new members.
  for (let attempt = 0; result.outcome === 'moved' && attempt <= MAX_MEMBERSHIP_RETRIES; attempt++) {
    if (attempt > 0) {
      ctx.conversations.forget(frame.conversationId);
      conversation = await ctx.conversations.get(frame.conversationId);
      if (!conversation) return refuse('unknown_conversation', `no conversation ${frame.conversationId}`);
    }
    if (!ctx.conversations.isMember(frame.conversationId, sender.userId)) return refuse('not_member', `you are not a member of ${frame.conversationId}`);
    ({ kind, channels } = conversationChannels(ctx.keys, ctx.options, conversation!));
    const version = conversation!.version;
    try {
      result = await publishInOrder(ctx, async (messageId) => {
        const message: Message = { conversationId: frame.conversationId, messageId, senderId: sender.userId, clientMsgId: frame.clientMsgId, body: frame.body, sentAt: Date.now() };
        return publishMessage(ctx.redis, ctx.keys, { message, origin: sender.id, channels, dedupeTtlSec: ctx.options.dedupeTtlSec, version });
      });
    } catch (err) {
      return refuse('unavailable', `could not route the message, send again with the same clientMsgId: ${errorMessage(err)}`);
    }
  }
  if (result.outcome === 'moved') return refuse('unavailable', 'the conversation\'s members kept changing, send again with the same clientMsgId');
  if (result.outcome === 'stale') return refuse('unavailable', 'could not mint an id above the conversation\'s last one, send again with the same clientMsgId');
  if (result.outcome === 'published') {
    ctx.metrics.sent.inc();
    ctx.metrics.publishes.inc({ channel: kind }, channels.length);
  }
  const { messageId } = result;
  const record = messageRecord(frame.conversationId, result.messageJson);
  const reply = ctx.producer.send(record.key, record.value).then(
    (): SendReply => ({ ok: true, ack: { type: 'ack', clientMsgId: frame.clientMsgId, conversationId: frame.conversationId, messageId } }),
    (err: unknown): SendReply => ({ ok: false, code: 'unavailable', message: `not durable, send again with the same clientMsgId: ${errorMessage(err)}`, ref: frame.clientMsgId }),
  );
  return { routed: true, reply };
}

/**
 * Mints and publishes until the id lands above the conversation's last one (bounded): after a
 * refusal, waits until this clock has passed the top id's millisecond, then mints again.
 */
export async function publishInOrder(
  ctx: Pick<GatewayContext, 'minter'> & { clock?: Clock },
  publish: (messageId: string) => Promise<PublishedMessage>,
): Promise<PublishedMessage> {
  const clock = ctx.clock ?? { now: Date.now, sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
  let result: PublishedMessage = { outcome: 'stale', topId: '0' };
  for (let attempt = 0; attempt <= MAX_REMINTS; attempt++) {
    result = await publish(await ctx.minter.next());
    if (result.outcome !== 'stale') return result;
    const aheadMs = parseSnowflake(result.topId).timestampMs - clock.now();
    if (aheadMs > MAX_REMINT_WAIT_MS) {
      throw new ChatlabError(ErrorCodes.UNAVAILABLE, `the conversation's last id is ${aheadMs} ms ahead of this gateway's clock`);
    }
    await clock.sleep(Math.max(1, aheadMs + 1));
  }
  return result;
}

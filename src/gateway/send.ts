import { errorMessage, type AckFrame, type ErrorFrameCode, type Message, type SendFrame } from '../core/index.js';
import { conversationChannels, publishMessage } from '../store/index.js';
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

/**
 * The send path: membership → Snowflake id → one Redis script (dedupe claim, recent stream,
 * publish to inboxes or the group channel) → Kafka; the sender's ack waits for Kafka.
 * A re-sent clientMsgId gets the first messageId and is published nowhere again; it is still
 * produced again (storage is idempotent on messageId), so a send whose ack was lost is durable.
 * Resolves when the routing step is over, so the socket's next send may start.
 */
export async function handleSend(ctx: GatewayContext, sender: Sender, frame: SendFrame): Promise<SendOutcome> {
  const refuse = (code: ErrorFrameCode, message: string): SendOutcome => ({ routed: false, reply: { ok: false, code, message, ref: frame.clientMsgId } });
  const conversation = await ctx.conversations.get(frame.conversationId);
  if (!conversation) return refuse('unknown_conversation', `no conversation ${frame.conversationId}`);
  if (!ctx.conversations.isMember(frame.conversationId, sender.userId)) return refuse('not_member', `you are not a member of ${frame.conversationId}`);
  const candidateId = ctx.snowflake.tryNextSync() ?? (await ctx.snowflake.next());
  const message: Message = {
    conversationId: frame.conversationId,
    messageId: candidateId,
    senderId: sender.userId,
    clientMsgId: frame.clientMsgId,
    body: frame.body,
    sentAt: Date.now(),
  };
  const { kind, channels } = conversationChannels(ctx.keys, ctx.options, conversation);

  let result;
  try {
    result = await publishMessage(ctx.redis, ctx.keys, { message, origin: sender.id, channels, dedupeTtlSec: ctx.options.dedupeTtlSec });
  } catch (err) {
    return refuse('unavailable', `could not route the message: ${errorMessage(err)}`);
  }
  if (result.published) {
    ctx.metrics.sent.inc();
    ctx.metrics.publishes.inc({ channel: kind }, channels.length);
  }
  const { messageId } = result;
  const reply = ctx.producer.send(frame.conversationId, result.messageJson).then(
    (): SendReply => ({ ok: true, ack: { type: 'ack', clientMsgId: frame.clientMsgId, conversationId: frame.conversationId, messageId } }),
    (err: unknown): SendReply => ({ ok: false, code: 'unavailable', message: `not durable, send again with the same clientMsgId: ${errorMessage(err)}`, ref: frame.clientMsgId }),
  );
  return { routed: true, reply };
}

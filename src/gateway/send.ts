import { errorMessage, type Message, type SendFrame } from '../core/index.js';
import { conversationChannels, publishMessage } from '../store/index.js';
import type { GatewayContext } from './context.js';
import type { Connection } from './connection.js';

/**
 * The send path: membership → Snowflake id → one Redis script (dedupe claim, recent stream,
 * publish to inboxes or the group channel) → Kafka; the sender's ack waits for Kafka.
 * A re-sent clientMsgId gets the first messageId and is published nowhere again; it is still
 * produced again (storage is idempotent on messageId), so a send whose ack was lost is durable.
 */
export async function handleSend(ctx: GatewayContext, conn: Connection, frame: SendFrame): Promise<void> {
  const conversation = await ctx.conversations.get(frame.conversationId);
  if (!conversation) return conn.error('unknown_conversation', `no conversation ${frame.conversationId}`, frame.clientMsgId);
  if (!ctx.conversations.isMember(frame.conversationId, conn.userId)) {
    return conn.error('not_member', `you are not a member of ${frame.conversationId}`, frame.clientMsgId);
  }
  const candidateId = ctx.snowflake.tryNextSync() ?? (await ctx.snowflake.next());
  const message: Message = {
    conversationId: frame.conversationId,
    messageId: candidateId,
    senderId: conn.userId,
    clientMsgId: frame.clientMsgId,
    body: frame.body,
    sentAt: Date.now(),
  };
  const { kind, channels } = conversationChannels(ctx.keys, ctx.options, conversation);

  let result;
  try {
    result = await publishMessage(ctx.redis, ctx.keys, { message, origin: conn.id, channels, dedupeTtlSec: ctx.options.dedupeTtlSec });
  } catch (err) {
    return conn.error('unavailable', `could not route the message: ${errorMessage(err)}`, frame.clientMsgId);
  }
  if (result.published) {
    ctx.metrics.sent.inc();
    ctx.metrics.publishes.inc({ channel: kind }, channels.length);
  }
  const durable = ctx.producer.send(frame.conversationId, result.messageJson).then(
    () => conn.sendFrame({ type: 'ack', clientMsgId: frame.clientMsgId, conversationId: frame.conversationId, messageId: result.messageId }),
    (err: unknown) => conn.error('unavailable', `not durable, send again with the same clientMsgId: ${errorMessage(err)}`, frame.clientMsgId),
  );
  ctx.inFlight.add(durable);
  void durable.finally(() => ctx.inFlight.delete(durable));
}

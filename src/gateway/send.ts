import { errorMessage, type Message, type SendFrame } from '../core/index.js';
import { RECENT_MAXLEN, runSendScript } from '../store/index.js';
import { encodePayload } from './router.js';
import { usesGroupChannel, type GatewayContext } from './context.js';
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
  const sentAt = Date.now();
  const message: Message = {
    conversationId: frame.conversationId,
    messageId: candidateId,
    senderId: conn.userId,
    clientMsgId: frame.clientMsgId,
    body: frame.body,
    sentAt,
  };
  const messageJson = JSON.stringify(message);
  // sentAt last: the router reads it without parsing the frame
  const frameJson = `{"type":"message",${messageJson.slice(1)}`;
  const group = usesGroupChannel(ctx.options, conversation.members.length);
  const channels = group ? [ctx.keys.group(conversation.conversationId)] : conversation.members.map((m) => ctx.keys.inbox(m));

  let result;
  try {
    result = await runSendScript(ctx.redis, {
      dedupeKey: ctx.keys.dedupe(frame.conversationId, frame.clientMsgId),
      recentKey: ctx.keys.recent(frame.conversationId),
      messageId: candidateId,
      ttlSec: ctx.options.dedupeTtlSec,
      messageJson,
      payload: encodePayload(conn.id, frameJson),
      maxlen: RECENT_MAXLEN,
      channels,
    });
  } catch (err) {
    return conn.error('unavailable', `could not route the message: ${errorMessage(err)}`, frame.clientMsgId);
  }
  if (result.published) {
    ctx.metrics.sent.inc();
    ctx.metrics.publishes.inc({ channel: group ? 'group' : 'inbox' }, channels.length);
  }
  const stored = result.published ? messageJson : JSON.stringify({ ...message, messageId: result.messageId });
  const durable = ctx.producer.send(frame.conversationId, stored).then(
    () => conn.sendFrame({ type: 'ack', clientMsgId: frame.clientMsgId, conversationId: frame.conversationId, messageId: result.messageId }),
    (err: unknown) => conn.error('unavailable', `not durable, send again with the same clientMsgId: ${errorMessage(err)}`, frame.clientMsgId),
  );
  ctx.inFlight.add(durable);
  void durable.finally(() => ctx.inFlight.delete(durable));
}

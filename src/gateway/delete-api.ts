import { ChatlabError, ErrorCodes, type DeleteMessageResponse, type Message } from '../core/index.js';
import { conversationChannels, deletionRecord, publishDeletion, recentMessage } from '../store/index.js';
import { streamMayBeLost, type GatewayContext } from './context.js';

/**
 * `DELETE /v1/conversations/:id/messages/:messageId` (docs/architecture.md#message-delete): only
 * the message's sender, while a member. The steps run in the order that makes a 200 mean
 * "gone for every read" and a failure safe to repeat:
 *
 * 1. the Cassandra tombstone, at the gateway's write level, stamped after any insert of the row
 *    (store/messages.ts: a message still in Kafka is inserted with its Snowflake time, older
 *    than the tombstone, so it cannot come back);
 * 2. the delete record on `chat.messages`, under the conversation's key: the indexer gets it
 *    after the message and removes the document (search lags by the indexer's batching);
 * 3. one Redis script: the id joins `deleted:<conv>`, which readers of `recent:<conv>` leave
 *    out, and the `deleted` frame goes to the conversation's channels, after the message.
 *
 * The 200 goes out after all three. A failure answers 503 with nothing undone: a retry finds the
 * message still in the stream and repeats each step (each is idempotent). Once step 3 is done
 * the message is found nowhere, so deleting again answers 404.
 */
export async function deleteMessage(ctx: GatewayContext, userId: string, conversationId: string, messageId: string): Promise<DeleteMessageResponse> {
  const conversation = await ctx.conversations.get(conversationId);
  if (!conversation) throw new ChatlabError(ErrorCodes.NOT_FOUND, `no conversation ${conversationId}`);
  if (!ctx.conversations.isMember(conversationId, userId)) throw new ChatlabError(ErrorCodes.FORBIDDEN, `${userId} is not a member of ${conversationId}`);
  const message = await findMessage(ctx, conversationId, messageId);
  if (!message) throw new ChatlabError(ErrorCodes.NOT_FOUND, `no message ${messageId} in ${conversationId}`);
  if (message.senderId !== userId) throw new ChatlabError(ErrorCodes.FORBIDDEN, `only its sender may delete message ${messageId}`);

  await ctx.messages.delete(conversationId, messageId, ctx.options.writeConsistency ?? ctx.options.readConsistency);
  if (ctx.producer.full) throw new ChatlabError(ErrorCodes.UNAVAILABLE, 'the Kafka queue is full, delete again');
  const record = deletionRecord({ conversationId, messageId });
  await ctx.producer.send(record.key, record.value);
  const { kind, channels } = conversationChannels(ctx.keys, ctx.options, conversation);
  await publishDeletion(ctx.redis, ctx.keys, { conversationId, messageId, userId, channels });
  ctx.metrics.deleted.inc();
  ctx.metrics.publishes.inc({ channel: kind }, channels.length);
  return { conversationId, deleted: messageId };
}

/**
 * The message as the stream (its last RECENT_MAXLEN) or else Cassandra holds it; undefined when
 * it is deleted or unknown. Right after Redis lost its streams an acked message may be only in
 * Kafka still: then "unknown" is not an answer, retry.
 */
async function findMessage(ctx: GatewayContext, conversationId: string, messageId: string): Promise<Message | undefined> {
  const recent = await recentMessage(ctx.redis, ctx.keys, conversationId, messageId);
  if (recent === 'deleted') return undefined;
  if (recent !== undefined) return JSON.parse(recent) as Message;
  const stored = await ctx.messages.get(conversationId, messageId);
  if (!stored && streamMayBeLost(ctx)) throw new ChatlabError(ErrorCodes.UNAVAILABLE, `message ${messageId} may not be persisted yet (Redis restarted a moment ago): retry`);
  return stored;
}

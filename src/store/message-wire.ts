import { z } from 'zod';
import { conversationIdSchema, describeIssue, messageIdSchema, messageSchema, type Message } from '../core/index.js';

/**
 * The cold-path wire: what goes over the Kafka messages topic from the gateways (producers) to
 * its consumer groups (persist worker, search indexer). Everyone who produces or consumes a
 * message record goes through this file, so the format lives here only, as fanout.ts is for Redis.
 *
 * A record's key is the conversation id: Kafka keeps the order of one key's records within its
 * partition, so a conversation's messages reach every consumer in the order they were sent. Its
 * value is the message JSON (the `Message` of core/protocol.ts), exactly as Redis published it.
 *
 * A delete is a record of its own, `{"op":"delete","conversationId","messageId"}`, under the
 * same key: it reaches each consumer after the message it deletes (the sender learns the id
 * from the ack, which comes once the message is in Kafka). The gateway has already written the
 * Cassandra tombstone when it produces it, so the persist worker skips it; the indexer removes
 * the document (src/workers/indexer/worker.ts).
 */
export interface MessageRecord {
  key: string;
  value: string;
}

/** The record of a message already serialized (the send path has its JSON from the Redis script). */
export function messageRecord(conversationId: string, messageJson: string): MessageRecord {
  return { key: conversationId, value: messageJson };
}

export interface MessageDeletion {
  conversationId: string;
  messageId: string;
}

const deletionRecordSchema = z.object({ op: z.literal('delete'), conversationId: conversationIdSchema, messageId: messageIdSchema });

/** The record of a delete (same key as the message: same partition, after it). */
export function deletionRecord(d: MessageDeletion): MessageRecord {
  return { key: d.conversationId, value: JSON.stringify({ op: 'delete', conversationId: d.conversationId, messageId: d.messageId }) };
}

export type ParsedRecord = { ok: true; message: Message } | { ok: true; deletion: MessageDeletion } | { ok: false; reason: string };

/** Never throws: a malformed record must not stop the partition behind it. */
export function parseMessageRecord(value: Buffer | null): ParsedRecord {
  if (value === null) return { ok: false, reason: 'empty value' };
  let raw: unknown;
  try {
    raw = JSON.parse(value.toString('utf8'));
  } catch {
    return { ok: false, reason: 'value is not valid JSON' };
  }
  if (typeof raw === 'object' && raw !== null && (raw as { op?: unknown }).op === 'delete') {
    const d = deletionRecordSchema.safeParse(raw);
    return d.success ? { ok: true, deletion: { conversationId: d.data.conversationId, messageId: d.data.messageId } } : { ok: false, reason: describeIssue(d.error) };
  }
  const parsed = messageSchema.safeParse(raw);
  return parsed.success ? { ok: true, message: parsed.data } : { ok: false, reason: describeIssue(parsed.error) };
}

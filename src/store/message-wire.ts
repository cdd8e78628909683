import { describeIssue, messageSchema, type Message } from '../core/index.js';

/**
 * The cold-path wire: what goes over the Kafka messages topic from the gateways (producers) to
 * its consumer groups (persist worker, search indexer). Everyone who produces or consumes a
 * message record goes through this file, so the format lives here only, as fanout.ts is for Redis.
 *
 * A record's key is the conversation id: Kafka keeps the order of one key's records within its
 * partition, so a conversation's messages reach every consumer in the order they were sent. Its
 * value is the message JSON (the `Message` of core/protocol.ts), exactly as Redis published it.
 */
export interface MessageRecord {
  key: string;
  value: string;
}

/** The record of a message already serialized (the send path has its JSON from the Redis script). */
export function messageRecord(conversationId: string, messageJson: string): MessageRecord {
  return { key: conversationId, value: messageJson };
}

export type ParsedRecord = { ok: true; message: Message } | { ok: false; reason: string };

/** Never throws: a malformed record must not stop the partition behind it. */
export function parseMessageRecord(value: Buffer | null): ParsedRecord {
  if (value === null) return { ok: false, reason: 'empty value' };
  let raw: unknown;
  try {
    raw = JSON.parse(value.toString('utf8'));
  } catch {
    return { ok: false, reason: 'value is not valid JSON' };
  }
  const parsed = messageSchema.safeParse(raw);
  return parsed.success ? { ok: true, message: parsed.data } : { ok: false, reason: describeIssue(parsed.error) };
}

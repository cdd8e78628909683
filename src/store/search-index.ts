/**
 * The `messages` index of the search engine: its mapping, the documents the indexer writes and
 * the sort key search pages by. Shared by the indexer (writes) and the gateway (queries).
 */
import { searchRequest } from './search-http.js';
import type { Message } from '../core/index.js';

export const MESSAGES_INDEX = 'messages';

/**
 * Body analyzer for Chinese and English alike: the standard tokenizer cuts CJK text into single
 * ideographs and English into words; cjk_width folds full-width forms, lowercase folds case,
 * and cjk_bigram joins adjacent ideographs into bigrams (a lone ideograph stays a unigram), so
 * "数据库" matches "分布式数据库" without a dictionary. No stemming: "messages" does not match
 * "message" (analysis-common has no language packs loaded here anyway).
 */
export const MESSAGES_INDEX_BODY = {
  settings: {
    number_of_shards: 1,
    // one node cannot hold replicas; with one the index would stay yellow
    number_of_replicas: 0,
    analysis: {
      analyzer: {
        chat_text: { type: 'custom', tokenizer: 'standard', filter: ['cjk_width', 'lowercase', 'cjk_bigram'] },
      },
    },
  },
  mappings: {
    dynamic: 'strict',
    properties: {
      conversationId: { type: 'keyword' },
      messageId: { type: 'long' },
      /**
       * The id zero-padded to 19 digits: sorts like the number, and comes back in a sort value
       * as a string (a JSON number above 2^53 would lose digits in JavaScript).
       */
      sortKey: { type: 'keyword' },
      senderId: { type: 'keyword' },
      clientMsgId: { type: 'keyword', index: false },
      body: { type: 'text', analyzer: 'chat_text' },
      sentAt: { type: 'date', format: 'epoch_millis' },
    },
  },
} as const;

export function sortKeyOf(messageId: string): string {
  return messageId.padStart(19, '0');
}

/** Creates the index unless it exists (several indexers may race: "already exists" is success). */
export async function ensureMessagesIndex(url: string, index = MESSAGES_INDEX): Promise<void> {
  const head = await searchRequest(url, 'GET', `/${index}/_mapping`);
  if (head.status === 200) return;
  const res = await searchRequest<{ error?: { type?: string } }>(url, 'PUT', `/${index}`, { body: MESSAGES_INDEX_BODY, timeoutMs: 60_000 });
  if (res.status === 200) return;
  if (res.status === 400 && res.body?.error?.type === 'resource_already_exists_exception') return;
  throw new Error(`PUT /${index} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
}

/** The NDJSON body of one `_bulk` request: `_id` = message id, so a redelivery overwrites. */
export function bulkBody(messages: readonly Message[], index = MESSAGES_INDEX): string {
  let out = '';
  for (const m of messages) {
    out += `${JSON.stringify({ index: { _index: index, _id: m.messageId } })}\n`;
    out += `${JSON.stringify({ ...m, sortKey: sortKeyOf(m.messageId) })}\n`;
  }
  return out;
}

/** The NDJSON body of a `_bulk` request removing these messages' documents. */
export function bulkDeleteBody(messageIds: readonly string[], index = MESSAGES_INDEX): string {
  let out = '';
  for (const id of messageIds) out += `${JSON.stringify({ delete: { _index: index, _id: id } })}\n`;
  return out;
}

/**
 * One bulk write that returns once the documents are searchable (refresh=wait_for), so the
 * indexer's latency metric means send → searchable. Any item failure fails the whole call:
 * the batch is retried, which is safe because every item is an overwrite by id.
 */
export async function bulkIndex(url: string, messages: readonly Message[], index = MESSAGES_INDEX, timeoutMs = 60_000): Promise<void> {
  if (messages.length === 0) return;
  await bulkRequest(url, bulkBody(messages, index), timeoutMs);
}

/**
 * Removes documents, once the removal is visible to searches (refresh=wait_for). A document
 * that is not there (never indexed, or removed already) is no failure: a retry is safe.
 */
export async function bulkDelete(url: string, messageIds: readonly string[], index = MESSAGES_INDEX, timeoutMs = 60_000): Promise<void> {
  if (messageIds.length === 0) return;
  await bulkRequest(url, bulkDeleteBody(messageIds, index), timeoutMs);
}

/** Items that failed: a status of 300 or more, except a delete that found nothing to delete. */
export function failedBulkItem(items: ReadonlyArray<Record<string, { status?: number; error?: unknown } | undefined>> | undefined): unknown {
  for (const item of items ?? []) {
    const [op, r] = Object.entries(item)[0] ?? [];
    const status = r?.status ?? 500;
    if (status < 300 || (op === 'delete' && status === 404)) continue;
    return r?.error ?? item;
  }
  return undefined;
}

async function bulkRequest(url: string, body: string, timeoutMs: number): Promise<void> {
  let res: Response;
  try {
    res = await fetch(`${url}/_bulk?refresh=wait_for`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    throw new Error(`POST ${url}/_bulk: ${cause?.code ?? (err instanceof Error ? err.message : String(err))}`);
  }
  const text = await res.text();
  if (res.status !== 200) throw new Error(`POST /_bulk answered ${res.status}: ${text.slice(0, 300)}`);
  const parsed = JSON.parse(text) as { errors?: boolean; items?: Array<Record<string, { status?: number; error?: unknown }>> };
  const bad = parsed.errors ? failedBulkItem(parsed.items) : undefined;
  if (bad !== undefined) throw new Error(`bulk item failed: ${JSON.stringify(bad).slice(0, 300)}`);
}

import { ChatlabError, ErrorCodes, compareIds } from '../core/index.js';
import { readHistory, readWindow, type MessagePage, type ReadHistoryParams } from '../store/index.js';
import type { GatewayContext } from './context.js';

/**
 * History and sync as a member sees them: only messages published while they were a member
 * (their spans, src/store/spans.ts). A member added later starts at their join; one who left
 * and came back skips what was published while they were away. A page is read from the first
 * span not over yet and cut at its leave, so `hasMore` and the client's `after` stay exact.
 */
export async function readVisibleHistory(ctx: Pick<GatewayContext, 'conversations'>, userId: string, p: ReadHistoryParams): Promise<MessagePage> {
  const spans = await ctx.conversations.raw.spansOf(p.conversationId, userId);
  if (!spans) throw new ChatlabError(ErrorCodes.NOT_FOUND, `no conversation ${p.conversationId}`);
  const messages: MessagePage['messages'] = [];
  let after = p.after;
  // each round reads one span; a page can only cross into the next span when this one ended
  for (;;) {
    const window = readWindow(spans, after);
    if (!window) return { messages, hasMore: false };
    const page = await readHistory({ ...p, after: window.after, limit: p.limit - messages.length });
    const before = window.before;
    const kept = before === null ? page.messages : page.messages.filter((m) => compareIds(m.messageId, before) < 0);
    messages.push(...kept);
    const spanEnded = before !== null && (kept.length < page.messages.length || !page.hasMore);
    if (!spanEnded) return { messages, hasMore: page.hasMore };
    if (!window.later) return { messages, hasMore: false };
    if (messages.length >= p.limit) return { messages, hasMore: true };
    after = before;
  }
}

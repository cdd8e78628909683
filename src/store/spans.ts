import { compareIds } from '../core/index.js';

/**
 * A member's spans: the stretches of the conversation's id order during which they were a
 * member, `join:leave` (leave empty while still a member), kept in `conv:<id>:spans` only for
 * users whose membership changed. A founding member who never changed is `0:` (always).
 */
export interface Span {
  join: string;
  leave: string | null;
}

export const FOUNDER_SPANS: readonly Span[] = [{ join: '0', leave: null }];

/** `null` (no entry) = a founding member who never changed. */
export function parseSpans(raw: string | null | undefined): Span[] {
  if (!raw) return [...FOUNDER_SPANS];
  return raw.split(',').map((part) => {
    const [join, leave] = part.split(':');
    return { join: join || '0', leave: leave ? leave : null };
  });
}

export function formatSpans(spans: readonly Span[]): string {
  return spans.map((s) => `${s.join}:${s.leave ?? ''}`).join(',');
}

/** The spans after one change (what the change script does in Lua, for Cassandra reloads). */
export function applyChange(spans: Span[] | null, change: 'joined' | 'left', id: string): Span[] {
  const out = spans ? [...spans] : change === 'left' ? [...FOUNDER_SPANS] : [];
  if (change === 'joined') {
    if (out.at(-1)?.leave === null) return out; // already a member
    out.push({ join: id, leave: null });
  } else {
    const last = out.at(-1);
    if (last && last.leave === null) out[out.length - 1] = { ...last, leave: id };
  }
  return out;
}

/** Whether a message id falls in a span: after its join, before its leave. */
export function visibleTo(spans: readonly Span[], messageId: string): boolean {
  return spans.some((s) => compareIds(messageId, s.join) > 0 && (s.leave === null || compareIds(messageId, s.leave) < 0));
}

/**
 * How to read a page "after `after`" for a member with these spans: from the first span not
 * over yet, starting no earlier than its join and ending before its leave. Null: nothing after
 * `after` is visible to them.
 */
export function readWindow(spans: readonly Span[], after: string): { after: string; before: string | null; later: boolean } | null {
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i]!;
    if (s.leave !== null && compareIds(after, s.leave) >= 0) continue;
    const from = compareIds(after, s.join) > 0 ? after : s.join;
    return { after: from, before: s.leave, later: i < spans.length - 1 };
  }
  return null;
}

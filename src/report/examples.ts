import type { CheckerExample, CheckerResult } from '../scenario/index.js';

export const EXAMPLE_KINDS = ['lost', 'duplicates', 'reordered', 'late', 'unexpected', 'leaks', 'ackedNotStored', 'storedNotPushed'] as const;
export type ExampleKind = (typeof EXAMPLE_KINDS)[number];

/** How many examples of each fault a report shows: enough to start debugging, not a dump. */
export const EXAMPLES_SHOWN = 3;

/** One line a person can paste into a log search: every id the checker knew. */
export function describeExample(e: CheckerExample): string {
  const parts = [`conversation ${e.conversationId}`, `clientMsgId ${e.clientMsgId}`];
  if (e.messageId) parts.push(`messageId ${e.messageId}`);
  if (e.recipientId) parts.push(`recipient ${e.recipientId}`);
  if (e.channel) parts.push(`by ${e.channel}`);
  if (e.count !== undefined) parts.push(`seen ${e.count}×`);
  if (e.delayMs !== undefined) parts.push(`after ${e.delayMs} ms`);
  return parts.join(', ');
}

/** Kinds with examples, each with its total count (examples are capped, counts are not). */
export function faultExamples(c: CheckerResult): Array<{ kind: ExampleKind; total: number; shown: CheckerExample[] }> {
  const totals: Record<ExampleKind, number> = {
    lost: c.lost,
    duplicates: c.duplicates,
    reordered: c.reordered,
    late: c.late,
    unexpected: c.unexpected,
    leaks: c.leaks ?? 0,
    ackedNotStored: c.hot?.ackedNotStored ?? 0,
    storedNotPushed: c.hot?.storedNotPushed ?? 0,
  };
  return EXAMPLE_KINDS.map((kind) => ({ kind, total: totals[kind], shown: (c.examples?.[kind] ?? []).slice(0, EXAMPLES_SHOWN) })).filter(
    (k) => k.shown.length > 0,
  );
}

import { ChatlabError, ErrorCodes, compareIds } from '../../core/index.js';
import type {
  CheckOptions,
  CheckerExample,
  CheckerResult,
  DeliveryRecord,
  History,
  LeakChannel,
  ObservationRecord,
  RecipientCounts,
  SendRecord,
} from './types.js';
import { LEAK_MEASURES } from './types.js';
import { MembershipTimeline } from './membership.js';

/** One logical message: all send records sharing conversation + clientMsgId. */
interface Logical {
  senderId: string;
  conversationId: string;
  clientMsgId: string;
  messageId: string | undefined;
  /** Any id a delivery carried for it, when the send itself was never acked. */
  observedId: string | undefined;
  sentAt: number;
  ackedAt: number | undefined;
  recipients: Set<string>;
}

// NUL cannot occur in ids, so joined keys cannot collide.
const key = (...parts: string[]) => parts.join('\u0000');

function collectSends(sends: readonly SendRecord[]): { logicals: Logical[]; byKey: Map<string, Logical>; byId: Map<string, Logical> } {
  const logicals: Logical[] = [];
  const byKey = new Map<string, Logical>();
  const byId = new Map<string, Logical>();
  for (const s of sends) {
    const k = key(s.conversationId, s.clientMsgId);
    let l = byKey.get(k);
    if (!l) {
      l = {
        senderId: s.senderId,
        conversationId: s.conversationId,
        clientMsgId: s.clientMsgId,
        messageId: undefined,
        observedId: undefined,
        sentAt: s.sentAt,
        ackedAt: undefined,
        recipients: new Set(),
      };
      byKey.set(k, l);
      logicals.push(l);
    } else if (l.senderId !== s.senderId) {
      // Matching by clientMsgId would then pin deliveries on the wrong sender: refuse the history.
      throw new ChatlabError(
        ErrorCodes.SCENARIO,
        `clientMsgId ${JSON.stringify(s.clientMsgId)} is used by ${l.senderId} and ${s.senderId} in conversation ${s.conversationId}; it must be unique per conversation`,
      );
    }
    l.sentAt = Math.min(l.sentAt, s.sentAt);
    if (s.messageId !== undefined) {
      l.messageId ??= s.messageId;
      byId.set(s.messageId, l);
      const ackedAt = s.ackedAt ?? s.sentAt;
      l.ackedAt = l.ackedAt === undefined ? ackedAt : Math.min(l.ackedAt, ackedAt);
    }
    for (const r of s.expectedRecipients) if (r !== s.senderId) l.recipients.add(r);
  }
  return { logicals, byKey, byId };
}

/** Stable by receivedAt: equal timestamps keep record order (see DeliveryRecord.receivedAt). */
function byArrival(deliveries: readonly DeliveryRecord[]): DeliveryRecord[] {
  return deliveries
    .map((d, i) => ({ d, i }))
    .sort((a, b) => a.d.receivedAt - b.d.receivedAt || a.i - b.i)
    .map((x) => x.d);
}

/**
 * Proves, message by message, what the system did with what was sent. Pure: the same
 * history always gives the same verdict, so a failing run can be re-judged from its record.
 */
export function checkDeliveries(history: History, options: CheckOptions = {}): CheckerResult {
  const lateAfterMs = options.lateAfterMs ?? 5000;
  const maxExamples = options.maxExamples ?? 5;
  const { logicals, byKey, byId } = collectSends(history.sends);
  const timeline = new MembershipTimeline(history.membership);
  /** Recipients of a message whose conversation has a membership history: members at its id. */
  const recipientsAt = (l: Logical, id: string | undefined): Set<string> =>
    new Set(id === undefined ? [] : timeline.membersAt(l.conversationId, id).filter((u) => u !== l.senderId));
  for (const l of logicals) if (timeline.has(l.conversationId)) l.recipients = recipientsAt(l, l.messageId);

  const result: CheckerResult = {
    sent: logicals.length,
    acked: 0,
    expectedDeliveries: 0,
    delivered: 0,
    lost: 0,
    duplicates: 0,
    duplicatesRaw: 0,
    reassigned: 0,
    reordered: 0,
    late: 0,
    deletedUndelivered: 0,
    deliveredUnacked: 0,
    unexpected: 0,
    leaks: 0,
    leaksLive: 0,
    leaksSync: 0,
    leaksHistory: 0,
    leaksSearch: 0,
    leaksReceipts: 0,
    leaksMembers: 0,
    hot: { ackedNotStored: 0, storedNotPushed: 0 },
    examples: { lost: [], duplicates: [], reordered: [], late: [], unexpected: [], leaks: [], ackedNotStored: [], storedNotPushed: [] },
  };
  const per = new Map<string, RecipientCounts>();
  const recipient = (id: string): RecipientCounts => {
    let c = per.get(id);
    if (!c) per.set(id, (c = { expected: 0, delivered: 0, lost: 0, duplicates: 0, reordered: 0, late: 0 }));
    return c;
  };
  const example = (kind: keyof CheckerResult['examples'], e: CheckerExample): CheckerExample => {
    if (result.examples[kind].length < maxExamples) result.examples[kind].push(e);
    return e;
  };
  const describe = (d: DeliveryRecord): CheckerExample => ({
    recipientId: d.recipientId,
    conversationId: d.conversationId,
    messageId: d.messageId,
    clientMsgId: d.clientMsgId,
  });
  const resolve = (d: DeliveryRecord) => byKey.get(key(d.conversationId, d.clientMsgId)) ?? byId.get(d.messageId);

  // Application-visible stream: everything but duplicatesRaw is judged here.
  const seenApp = new Map<string, { count: number; example: CheckerExample | undefined }>();
  const highest = new Map<string, string>();
  /** Pairs that reached the recipient by push (live), raw or not. */
  const pushed = new Set<string>();
  for (const d of byArrival(history.deliveries)) {
    const l = resolve(d);
    if (l && d.recipientId === l.senderId) continue; // the sender's other sockets: out of scope
    const pair = key(d.recipientId, d.conversationId, l ? l.clientMsgId : `#${d.messageId}`);
    if (!d.viaSync) pushed.add(pair);
    if (d.raw) continue;
    if (l && l.messageId === undefined) l.observedId ??= d.messageId;

    const seen = seenApp.get(pair);
    if (seen) {
      seen.count++;
      result.duplicates++;
      if (options.perRecipient) recipient(d.recipientId).duplicates++;
      if (seen.count === 2) seen.example = example('duplicates', describe(d));
      if (seen.example) seen.example.count = seen.count;
      continue;
    }
    seenApp.set(pair, { count: 1, example: undefined });

    const stream = key(d.recipientId, d.conversationId);
    const top = highest.get(stream);
    if (top !== undefined && compareIds(d.messageId, top) < 0) {
      result.reordered++;
      if (options.perRecipient) recipient(d.recipientId).reordered++;
      example('reordered', describe(d));
    } else {
      highest.set(stream, d.messageId);
    }

    if (l && timeline.has(d.conversationId)) {
      if (!timeline.isMember(d.conversationId, d.recipientId, d.messageId)) continue; // a leak, counted below
    } else if (!l || !l.recipients.has(d.recipientId)) {
      result.unexpected++;
      example('unexpected', describe(d));
      continue;
    }
    if (l.messageId !== undefined) {
      result.delivered++;
      if (options.perRecipient) recipient(d.recipientId).delivered++;
    } else {
      result.deliveredUnacked++;
    }
    const delayMs = d.receivedAt - l.sentAt;
    if (delayMs > lateAfterMs) {
      result.late++;
      if (options.perRecipient) recipient(d.recipientId).late++;
      example('late', { ...describe(d), delayMs });
    }
  }

  // Raw stream: only its extra copies matter, and logical messages that came under two ids.
  const seenRaw = new Set<string>();
  const idOf = new Map<string, string>();
  const reassigned = new Set<string>();
  for (const d of history.deliveries) {
    if (!d.raw) continue;
    const l = resolve(d);
    if (l && d.recipientId === l.senderId) continue;
    const pair = key(d.recipientId, d.conversationId, l ? l.clientMsgId : `#${d.messageId}`);
    if (seenRaw.has(pair)) result.duplicatesRaw++;
    else seenRaw.add(pair);
    const logical = key(d.conversationId, l ? l.clientMsgId : `#${d.messageId}`);
    const first = idOf.get(logical);
    if (first === undefined) idOf.set(logical, d.messageId);
    else if (first !== d.messageId) reassigned.add(logical);
  }
  result.reassigned = reassigned.size;

  // Leaks: anything about a conversation that reached a user outside their spans, once per channel.
  const leaked = new Set<string>();
  const leak = (channel: LeakChannel, recipientId: string, conversationId: string, messageId: string, clientMsgId: string): void => {
    const k = key(channel, recipientId, conversationId, messageId);
    if (leaked.has(k)) return;
    leaked.add(k);
    result[LEAK_MEASURES[channel]]++;
    result.leaks++;
    example('leaks', { recipientId, conversationId, messageId, clientMsgId, channel });
  };
  for (const d of history.deliveries) {
    if (!timeline.has(d.conversationId) || timeline.isMember(d.conversationId, d.recipientId, d.messageId)) continue;
    const l = resolve(d);
    if (l && d.recipientId === l.senderId) continue;
    leak(d.viaSync ? 'sync' : 'live', d.recipientId, d.conversationId, d.messageId, d.clientMsgId);
  }
  const outside = observationJudge(timeline, logicals);
  for (const o of history.observations ?? []) {
    if (outside(o)) leak(o.channel, o.recipientId, o.conversationId, o.messageId, byId.get(o.messageId)?.clientMsgId ?? '');
  }

  const stored = history.stored ? new Set(history.stored.map((s) => s.messageId)) : undefined;
  const deleted = new Set((history.deletions ?? []).map((d) => key(d.conversationId, d.messageId)));
  for (const l of logicals) {
    const wasDeleted = l.messageId !== undefined && deleted.has(key(l.conversationId, l.messageId));
    if (l.messageId !== undefined) {
      result.acked++;
      for (const r of l.recipients) {
        if (wasDeleted && !seenApp.has(key(r, l.conversationId, l.clientMsgId))) {
          result.deletedUndelivered++;
          continue;
        }
        result.expectedDeliveries++;
        if (options.perRecipient) recipient(r).expected++;
        if (!seenApp.has(key(r, l.conversationId, l.clientMsgId))) {
          result.lost++;
          if (options.perRecipient) recipient(r).lost++;
          example('lost', { recipientId: r, conversationId: l.conversationId, messageId: l.messageId, clientMsgId: l.clientMsgId });
        }
      }
    }
    if (!stored) continue;
    const id = l.messageId ?? l.observedId;
    if (l.messageId === undefined && timeline.has(l.conversationId)) l.recipients = recipientsAt(l, id);
    const visible = history.historyVisibleAt === undefined || (l.ackedAt ?? Infinity) <= history.historyVisibleAt;
    if (l.messageId !== undefined && visible && !wasDeleted && !stored.has(l.messageId)) {
      result.hot.ackedNotStored++;
      example('ackedNotStored', { conversationId: l.conversationId, messageId: l.messageId, clientMsgId: l.clientMsgId });
    }
    if (id !== undefined && stored.has(id)) {
      for (const r of l.recipients) {
        if (pushed.has(key(r, l.conversationId, l.clientMsgId))) continue;
        result.hot.storedNotPushed++;
        example('storedNotPushed', { recipientId: r, conversationId: l.conversationId, messageId: id, clientMsgId: l.clientMsgId });
      }
    }
  }

  if (options.perRecipient) result.perRecipient = Object.fromEntries([...per.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return result;
}

/**
 * Whether an observation reached its user outside their membership. A conversation with a
 * membership history is judged by its spans (a member frame: a member just before or just after
 * the change); one without, by everyone its sends named (senders and recipients), when it has
 * sends at all; anything else is not judged.
 */
function observationJudge(timeline: MembershipTimeline, logicals: readonly Logical[]): (o: ObservationRecord) => boolean {
  let fixed: Map<string, Set<string>> | undefined;
  const fixedMembers = (conversationId: string): Set<string> | undefined => {
    if (!fixed) {
      fixed = new Map();
      for (const l of logicals) {
        const set = fixed.get(l.conversationId) ?? new Set<string>();
        set.add(l.senderId);
        for (const r of l.recipients) set.add(r);
        fixed.set(l.conversationId, set);
      }
    }
    return fixed.get(conversationId);
  };
  return (o) => {
    if (timeline.has(o.conversationId)) {
      return o.channel === 'member' ? !timeline.mayHearChange(o.conversationId, o.recipientId, o.messageId) : !timeline.isMember(o.conversationId, o.recipientId, o.messageId);
    }
    const members = fixedMembers(o.conversationId);
    return members !== undefined && !members.has(o.recipientId);
  };
}

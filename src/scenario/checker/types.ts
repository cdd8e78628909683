/**
 * The history a scenario records and the delivery checker judges. Load workers append to it
 * as things happen; the checker runs once at the end, so it can afford to be exact.
 */

/** One logical message a simulated client tried to send. */
export interface SendRecord {
  senderId: string;
  conversationId: string;
  /**
   * Must be unique within a conversation across all senders (load workers prefix it with the
   * sender): it is how deliveries of an unacked send, and retries of one, are recognised.
   * Two records with the same conversation and clientMsgId are one message sent again.
   */
  clientMsgId: string;
  /** Set once acked; the `ack` means durable in Kafka, so from then on it must be delivered. */
  messageId?: string;
  /** When the rate schedule wanted it sent (latency baseline against coordinated omission). */
  intendedAt: number;
  /** When the frame was written to the socket. */
  sentAt: number;
  ackedAt?: number;
  /** Conversation members at send time. The sender is ignored if listed: its other sockets are out of scope. */
  expectedRecipients: readonly string[];
}

/**
 * One message as a recipient got it. Two streams share this shape, told apart by `raw`:
 * - `raw` absent or false: what the application saw, after the client's merge and dedupe.
 *   Lost, duplicates, reordered and late are judged on this stream only.
 * - `raw: true`: a frame as it hit the socket, before dedupe. Optional; it feeds only
 *   `duplicatesRaw` and `hot.storedNotPushed`, which show what the client had to repair.
 */
export interface DeliveryRecord {
  recipientId: string;
  conversationId: string;
  messageId: string;
  clientMsgId: string;
  /**
   * Ties are common (timestamps are taken once per batch of frames), and ties keep the order
   * of the records, so record each recipient's deliveries in arrival order.
   */
  receivedAt: number;
  raw?: boolean;
  /** Came from a `sync_result` rather than being pushed live. */
  viaSync?: boolean;
}

/** What history (Cassandra) holds at the end of the run. */
export interface StoredRecord {
  messageId: string;
  /** Accepted for reports on persistence lag; the checker's verdicts do not depend on it. */
  storedAt?: number;
}

/** One user joining or leaving a conversation, at its place in the conversation's id order. */
export interface MemberChangeRecord {
  userId: string;
  change: 'joined' | 'left';
  /** The change's id (the `member` frame's messageId): minted in the conversation's order. */
  messageId: string;
}

/**
 * Conversations whose members changed during the run, by id: who founded it and every change.
 * For these, a message's recipients are those who were members at its id (the sends'
 * `expectedRecipients` are ignored), and a delivery to anyone else is a `leak`.
 */
export type MembershipHistory = Record<string, { founders: readonly string[]; changes: readonly MemberChangeRecord[] }>;

/**
 * The ways something about a conversation reaches a user besides message frames (those are
 * `deliveries`: live, or by sync): each is judged against the user's membership spans.
 */
export const OBSERVATION_CHANNELS = ['history', 'search', 'receipt', 'member'] as const;
export type ObservationChannel = (typeof OBSERVATION_CHANNELS)[number];

/** One thing about a conversation that reached a user, by a channel other than a message frame. */
export interface ObservationRecord {
  channel: ObservationChannel;
  recipientId: string;
  conversationId: string;
  /**
   * The id it is judged at. history and search: the message returned; receipt: the watermark it
   * carries (a reader's position in the conversation); member: the change's own id.
   */
  messageId: string;
  receivedAt?: number;
}

/** A message its sender deleted (the DELETE was answered 200). */
export interface DeletionRecord {
  conversationId: string;
  messageId: string;
  /** When the 200 came. */
  deletedAt?: number;
}

export interface History {
  sends: readonly SendRecord[];
  /**
   * Messages deleted during the run; omitted: none. A recipient that never saw a deleted
   * message is not owed it (history, sync and search stop returning it): not lost, not
   * expected, and not expected in `stored` either.
   */
  deletions?: readonly DeletionRecord[];
  /** Membership over time (see MembershipHistory); omitted: members never changed. */
  membership?: MembershipHistory;
  deliveries: readonly DeliveryRecord[];
  /** History pages, search hits, receipts and member frames the users got; omitted: none recorded. */
  observations?: readonly ObservationRecord[];
  /** Omit when history was not read: the `hot` counts are then 0. */
  stored?: readonly StoredRecord[];
  /**
   * When `stored` was read. A message acked after it cannot be expected there yet, so it
   * is not counted as acked-but-not-stored. Omitted: every acked message must be stored.
   */
  historyVisibleAt?: number;
}

export interface CheckOptions {
  /** A delivery later than this after `sentAt` is late. Default 5000. */
  lateAfterMs?: number;
  /** Add counts per recipient (costs a map entry per recipient). */
  perRecipient?: boolean;
  /** Examples kept per kind. Default 5. */
  maxExamples?: number;
}

export interface CheckerExample {
  conversationId: string;
  clientMsgId: string;
  messageId?: string;
  /** Absent for per-message findings (acked but not stored). */
  recipientId?: string;
  /** Leaks: the channel it came by (live, sync, history, search, receipt, member). */
  channel?: LeakChannel;
  /** Duplicates: how many times the application saw it. */
  count?: number;
  /** Late: ms from sentAt to receivedAt. */
  delayMs?: number;
}

export interface RecipientCounts {
  expected: number;
  delivered: number;
  lost: number;
  duplicates: number;
  reordered: number;
  late: number;
}

/** Where a leak came by: a message frame (live or in a sync page), or an observation's channel. */
export type LeakChannel = 'live' | 'sync' | ObservationChannel;

/** The per-channel leak counts, named as thresholds name them; `leaks` is their sum. */
export const LEAK_MEASURES = { live: 'leaksLive', sync: 'leaksSync', history: 'leaksHistory', search: 'leaksSearch', receipt: 'leaksReceipts', member: 'leaksMembers' } as const satisfies Record<LeakChannel, string>;

export interface CheckerResult {
  /** Logical messages (retries of one clientMsgId count once). */
  sent: number;
  acked: number;
  /** Acked messages × their expected recipients. */
  expectedDeliveries: number;
  /** Of expectedDeliveries, those the application saw at least once; delivered + lost = expected. */
  delivered: number;
  lost: number;
  /** Extra copies the application saw (a message seen 3 times counts 2). */
  duplicates: number;
  /** Extra copies that reached the socket (0 when no raw records were given). */
  duplicatesRaw: number;
  /**
   * Logical messages (conversation + clientMsgId) that reached a socket under two or more ids:
   * a re-send stored again after Redis lost its dedupe keys. The client shows them once.
   */
  reassigned: number;
  /** Per recipient and conversation, deliveries with an id lower than one seen before. */
  reordered: number;
  late: number;
  /** (message × recipient) not delivered because the message was deleted first: not lost, not expected. */
  deletedUndelivered: number;
  /** Deliveries of sends never acked: fine (the ack may have been lost), not counted lost. */
  deliveredUnacked: number;
  /** Deliveries of no known send, or to someone not a member at send time (conversations without a membership history). */
  unexpected: number;
  /**
   * Anything about a conversation that reached a user outside their membership spans: the sum
   * of the six channels below, each counting distinct (recipient × id) once.
   */
  leaks: number;
  /**
   * (recipient × message) pushed live (raw or shown) although the recipient was not a member at
   * the message's id, in a conversation with a membership history.
   */
  leaksLive: number;
  /** The same, in a `sync_result` page. */
  leaksSync: number;
  /** Messages an HTTP history page returned to a user who was not a member at their id. */
  leaksHistory: number;
  /** Search hits of messages the searcher was not a member at. */
  leaksSearch: number;
  /** Receipts whose watermark the recipient was not a member at (a reader's progress they may not see). */
  leaksReceipts: number;
  /** Member frames to a user who was a member neither just before nor just after the change. */
  leaksMembers: number;
  hot: {
    /** Acked (durable in Kafka) but missing from history. */
    ackedNotStored: number;
    /** (message × recipient) in history that the recipient never got pushed live. */
    storedNotPushed: number;
  };
  examples: {
    lost: CheckerExample[];
    duplicates: CheckerExample[];
    reordered: CheckerExample[];
    late: CheckerExample[];
    unexpected: CheckerExample[];
    leaks: CheckerExample[];
    ackedNotStored: CheckerExample[];
    storedNotPushed: CheckerExample[];
  };
  perRecipient?: Record<string, RecipientCounts>;
}

/**
 * broker-loss's figures, computed from what the run recorded: the senders' sends and acks, the
 * partition's metadata polled through the fault, and the ids Cassandra and the search index hold.
 * Pure: the same record always gives the same figures (scenarios/broker-loss/measure.test.ts).
 */

/** One read of chat.messages[0] from the cluster metadata: its leader (-1: none) and in-sync replicas. */
export interface PartitionSample {
  at: number;
  leader: number;
  isr: number[];
}

/** A send as the load workers record it (scenario/load/protocol.ts SendRow): one row per attempt. */
export interface SendAttempt {
  /** conversation and clientMsgId: the logical message */
  c: string;
  m: string;
  /** when the message was meant to go (open model), when this attempt went, when it was acked */
  i: number;
  t: number;
  id?: string;
  a?: number;
}

/**
 * The first sample in which a broker other than the one killed leads the partition: when the
 * controller's election reached the metadata. Undefined when no sample shows one.
 */
export function electedAt(samples: readonly PartitionSample[], killed: number): PartitionSample | undefined {
  return samples.find((s) => s.leader >= 0 && s.leader !== killed);
}

interface Logical {
  intendedAt: number;
  sentAt: number;
  ackedAt: number | undefined;
}

/** Attempts folded into logical messages: the earliest intent and send, the earliest ack. */
function logicals(sends: readonly SendAttempt[]): Logical[] {
  const by = new Map<string, Logical>();
  for (const s of sends) {
    const k = `${s.c}\u0000${s.m}`;
    const l = by.get(k) ?? { intendedAt: s.i, sentAt: s.t, ackedAt: undefined };
    l.intendedAt = Math.min(l.intendedAt, s.i);
    l.sentAt = Math.min(l.sentAt, s.t);
    if (s.a !== undefined && s.id !== undefined) l.ackedAt = l.ackedAt === undefined ? s.a : Math.min(l.ackedAt, s.a);
    by.set(k, l);
  }
  return [...by.values()];
}

/**
 * When produce was served again after the kill: the earliest ack of a message first sent after
 * the leader's process was gone (the dead broker cannot have acked it). Undefined: none was.
 */
export function produceResumedAt(sends: readonly SendAttempt[], goneAt: number): number | undefined {
  let first: number | undefined;
  for (const l of logicals(sends)) {
    if (l.sentAt >= goneAt && l.ackedAt !== undefined && (first === undefined || l.ackedAt < first)) first = l.ackedAt;
  }
  return first;
}

/** Nearest-rank percentile of a list (0 when empty). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * Send → ack latency (from the moment the message was meant to go, so time spent waiting for a
 * retry counts) of the messages meant to go in [from, to): their p99 and how many were never acked.
 */
export function ackLatency(sends: readonly SendAttempt[], from: number, to: number): { p99: number; count: number; neverAcked: number } {
  const inWindow = logicals(sends).filter((l) => l.intendedAt >= from && l.intendedAt < to);
  const acked = inWindow.filter((l) => l.ackedAt !== undefined).map((l) => l.ackedAt! - l.intendedAt);
  return { p99: percentile(acked, 99), count: inWindow.length, neverAcked: inWindow.length - acked.length };
}

/** Acks the senders got in [from, to): while the followers were paused, what only the leader held. */
export function ackedBetween(sends: readonly SendAttempt[], from: number, to: number): number {
  return logicals(sends).filter((l) => l.ackedAt !== undefined && l.ackedAt >= from && l.ackedAt < to).length;
}

/** Acked messages missing from Cassandra, from the search index, and from either (a message counted once). */
export function ackedLoss(acked: Iterable<string>, stored: ReadonlySet<string>, indexed: ReadonlySet<string>): { ackedNotStored: number; ackedNotIndexed: number; ackedLost: number; examples: string[] } {
  let ackedNotStored = 0;
  let ackedNotIndexed = 0;
  const lost: string[] = [];
  for (const id of new Set(acked)) {
    const notStored = !stored.has(id);
    const notIndexed = !indexed.has(id);
    if (notStored) ackedNotStored++;
    if (notIndexed) ackedNotIndexed++;
    if (notStored || notIndexed) lost.push(id);
  }
  return { ackedNotStored, ackedNotIndexed, ackedLost: lost.length, examples: lost.slice(0, 5) };
}

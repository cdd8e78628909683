/**
 * The run's history in the Jepsen manner and what it measures. Every operation is recorded when
 * it is invoked and when it completes: ok, fail (refused before anything was written: nothing
 * can have changed) or unknown (a timeout: it may or may not have taken effect). An unknown is
 * never counted as either: it is left out of availability, and a message whose write or delete
 * is unknown is not judged by the reads. Pure: no clock, no store.
 */
import { compareIds } from '../../src/core/index.js';

export type OpKind = 'write' | 'read' | 'delete';
export type Outcome = 'ok' | 'fail' | 'unknown';

export interface Op {
  kind: OpKind;
  /** The simulated member that ran it (one operation at a time each, as a Jepsen process). */
  process: number;
  conversationId: string;
  /** The message written or deleted (reads: none). */
  messageId?: string;
  /** ms on the run's clock. */
  invokedAt: number;
  completedAt: number;
  outcome: Outcome;
  /** A read that succeeded: the ids it returned. */
  seen?: string[];
  /** A read that stopped at its limit: it says nothing about ids above this one. */
  upTo?: string;
  /** Why it failed or is unknown (the driver's message, first line). */
  error?: string;
}

/**
 * On the run's clock: when the fault was in effect, when its repair began (the partition lifted,
 * the node restarting), and when the node answered again.
 */
export interface FaultWindow {
  strikeAt: number;
  repairAt: number;
  healAt: number;
}

export type Phase = 'before' | 'fault' | 'after';

export function phaseOf(at: number, w: FaultWindow): Phase {
  return at < w.strikeAt ? 'before' : at < w.healAt ? 'fault' : 'after';
}

/** An operation's outcome from the driver's error (cassandra-driver's names and codes). */
export function outcomeOf(err: unknown): Outcome {
  if (err === undefined || err === null) return 'ok';
  const e = err as { name?: string; code?: number; innerErrors?: Record<string, unknown> };
  // Unavailable: the coordinator saw too few replicas alive and wrote nothing
  if (e.code === UNAVAILABLE) return 'fail';
  // No coordinator took it: refused by each (all unavailable), or no host to send it to at all
  if (e.name === 'NoHostAvailableError') {
    const inner = Object.values(e.innerErrors ?? {});
    return inner.every((i) => outcomeOf(i) === 'fail' || isConnectionRefused(i)) ? 'fail' : 'unknown';
  }
  // write/read timeouts, client-side timeouts, a connection lost with the request in flight
  return 'unknown';
}

const UNAVAILABLE = 0x1000;

/** A connection that could not be opened: the request never left (ECONNREFUSED, a node down). */
function isConnectionRefused(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return e.code === 'ECONNREFUSED' || (typeof e.message === 'string' && /ECONNREFUSED|Connection refused/.test(e.message));
}

export interface Verdict {
  writes: number;
  writesOk: number;
  writesFailed: number;
  writesUnknown: number;
  faultWrites: number;
  faultWritesOk: number;
  faultWritesFailed: number;
  faultWritesUnknown: number;
  /** Of the acknowledged ones, those acknowledged before the repair began (the others waited for it). */
  faultWritesOkWhileAway: number;
  /** % of the writes invoked during the fault that were acknowledged (refused and timed-out ones are not; both are counted apart). */
  writeAvailability: number;
  faultReads: number;
  /** % of the reads invoked during the fault that answered. */
  readAvailability: number;
  readsOk: number;
  deletesOk: number;
  deletesUnknown: number;
  /** Acknowledged writes of which no delete was invoked: what the final read must hold. */
  ackedKept: number;
  /** Of those, the ones the final read at ALL does not hold. */
  ackedLost: number;
  /** Refused writes the final read holds (a refusal that was not one). */
  failedStored: number;
  /** Writes of unknown outcome that the final read holds (information: either is allowed). */
  unknownStored: number;
  /** Reads that began after a write was acknowledged and missed it (each read counted once). */
  staleReads: number;
  /** (read, message) pairs behind staleReads. */
  staleMisses: number;
  /** % of the reads that answered which were stale. */
  staleReadShare: number;
  staleReadsAfterHeal: number;
  /** (read, message) pairs: a read that began after a delete was acknowledged and returned the message. */
  deletedSeen: number;
  /** Messages whose delete was acknowledged that the final read at ALL holds (they came back). */
  zombies: number;
  /** An example of each anomaly, for the report's timeline. */
  examples: string[];
}

/**
 * Judges a history against the final read (at ALL, after the fault healed and repair ran): the
 * conversation → ids it holds.
 */
export function judge(ops: readonly Op[], window: FaultWindow, final: ReadonlyMap<string, ReadonlySet<string>>): Verdict {
  const writes = ops.filter((o) => o.kind === 'write');
  const reads = ops.filter((o) => o.kind === 'read');
  const deletes = ops.filter((o) => o.kind === 'delete');
  const during = (o: Op) => phaseOf(o.invokedAt, window) === 'fault';
  const count = (list: readonly Op[], outcome: Outcome) => list.filter((o) => o.outcome === outcome).length;
  const share = (ok: number, invoked: number) => (invoked === 0 ? 0 : (100 * ok) / invoked);
  const examples: string[] = [];
  const example = (line: string) => {
    if (examples.length < 8) examples.push(line);
  };

  // the first time a delete of each message was invoked (any outcome: it may have taken effect since)
  const deleteInvoked = new Map<string, number>();
  const deleteOk = new Map<string, Op>();
  for (const d of deletes) {
    const id = d.messageId!;
    deleteInvoked.set(id, Math.min(deleteInvoked.get(id) ?? Infinity, d.invokedAt));
    if (d.outcome === 'ok' && !deleteOk.has(id)) deleteOk.set(id, d);
  }

  let ackedKept = 0;
  let ackedLost = 0;
  let failedStored = 0;
  let unknownStored = 0;
  for (const w of writes) {
    const held = final.get(w.conversationId)?.has(w.messageId!) ?? false;
    if (w.outcome === 'ok' && !deleteInvoked.has(w.messageId!)) ackedKept++;
    if (w.outcome === 'ok' && !held && !deleteInvoked.has(w.messageId!)) {
      ackedLost++;
      example(`acked and lost: ${w.messageId} (write ok at ${w.completedAt} ms)`);
    }
    if (w.outcome === 'fail' && held) failedStored++;
    if (w.outcome === 'unknown' && held) unknownStored++;
  }

  const okWritesByConv = new Map<string, Op[]>();
  for (const w of writes) if (w.outcome === 'ok') okWritesByConv.set(w.conversationId, [...(okWritesByConv.get(w.conversationId) ?? []), w]);
  const okDeletesByConv = new Map<string, Op[]>();
  for (const d of deleteOk.values()) okDeletesByConv.set(d.conversationId, [...(okDeletesByConv.get(d.conversationId) ?? []), d]);

  let staleReads = 0;
  let staleMisses = 0;
  let staleAfter = 0;
  let deletedSeen = 0;
  const okReads = reads.filter((r) => r.outcome === 'ok');
  for (const r of okReads) {
    const seen = new Set(r.seen ?? []);
    const covered = (id: string) => r.upTo === undefined || compareIds(id, r.upTo) <= 0;
    let missed = 0;
    for (const w of okWritesByConv.get(r.conversationId) ?? []) {
      if (w.completedAt >= r.invokedAt || !covered(w.messageId!)) continue;
      // a delete invoked before the read ended may have removed it: not judged
      if ((deleteInvoked.get(w.messageId!) ?? Infinity) < r.completedAt) continue;
      if (!seen.has(w.messageId!)) {
        missed++;
        if (missed === 1) example(`stale read at ${r.invokedAt} ms (${phaseOf(r.invokedAt, window)}): missed ${w.messageId}, acknowledged at ${w.completedAt} ms`);
      }
    }
    if (missed > 0) {
      staleReads++;
      staleMisses += missed;
      if (phaseOf(r.invokedAt, window) === 'after') staleAfter++;
    }
    for (const d of okDeletesByConv.get(r.conversationId) ?? []) {
      if (d.completedAt < r.invokedAt && seen.has(d.messageId!)) {
        deletedSeen++;
        example(`deleted seen at ${r.invokedAt} ms: ${d.messageId}, delete acknowledged at ${d.completedAt} ms`);
      }
    }
  }

  let zombies = 0;
  for (const d of deleteOk.values()) {
    if (final.get(d.conversationId)?.has(d.messageId!)) {
      zombies++;
      example(`came back after repair: ${d.messageId} (delete acknowledged at ${d.completedAt} ms)`);
    }
  }

  const faultW = writes.filter(during);
  const faultR = reads.filter(during);
  return {
    writes: writes.length,
    writesOk: count(writes, 'ok'),
    writesFailed: count(writes, 'fail'),
    writesUnknown: count(writes, 'unknown'),
    faultWrites: faultW.length,
    faultWritesOk: count(faultW, 'ok'),
    faultWritesFailed: count(faultW, 'fail'),
    faultWritesUnknown: count(faultW, 'unknown'),
    faultWritesOkWhileAway: faultW.filter((o) => o.outcome === 'ok' && o.completedAt < window.repairAt).length,
    writeAvailability: share(count(faultW, 'ok'), faultW.length),
    faultReads: faultR.length,
    readAvailability: share(count(faultR, 'ok'), faultR.length),
    readsOk: okReads.length,
    deletesOk: deleteOk.size,
    deletesUnknown: count(deletes, 'unknown'),
    ackedKept,
    ackedLost,
    failedStored,
    unknownStored,
    staleReads,
    staleMisses,
    staleReadShare: okReads.length === 0 ? 0 : (100 * staleReads) / okReads.length,
    staleReadsAfterHeal: staleAfter,
    deletedSeen,
    zombies,
    examples,
  };
}

/** Latencies (ms) of the operations of one kind that succeeded and were invoked in one phase. */
export function latenciesOf(ops: readonly Op[], kind: OpKind, phase: Phase, window: FaultWindow): number[] {
  return ops.filter((o) => o.kind === kind && o.outcome === 'ok' && phaseOf(o.invokedAt, window) === phase).map((o) => o.completedAt - o.invokedAt);
}

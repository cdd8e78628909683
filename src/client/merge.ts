import { compareIds } from '../core/lean/index.js';

/**
 * What a simulated client does per conversation between the socket and the "application":
 * the live stream and the sync pages overlap after a reconnect (a message can arrive live
 * while the sync that also returns it is in flight), so the client merges them by id, drops
 * what it already showed and shows the rest in id order. What it cannot repair is counted,
 * so the checker can tell a client-side merge bug from a server-side delivery bug.
 */
export interface MergeableMessage {
  /** Snowflake id, decimal string. */
  messageId: string;
}

export interface MergeStats {
  /** Messages handed to the application. */
  delivered: number;
  /** Messages dropped because the application already had them. */
  duplicatesDropped: number;
  /** Messages handed over although a higher id had been handed over before them. */
  reordered: number;
  /** Messages dropped because their identity (not their id) was shown before: re-sends stored twice. */
  reassigned: number;
}

export interface ConversationMergerOptions<M extends MergeableMessage = MergeableMessage> {
  /** The last id the application already has ("0" for none), e.g. from a previous session. */
  lastId?: string;
  /**
   * How many delivered ids to remember for duplicate detection. Memory per simulated client
   * must stay small (docs/architecture.md#measuring); an id older than everything remembered is taken
   * as already delivered, since a first delivery that late is far rarer than a re-delivery.
   */
  rememberIds?: number;
  /**
   * A second identity of a message, e.g. sender + clientMsgId. After Redis lost its dedupe
   * keys (a restart without persistence), a re-send whose ack was lost is stored again under a
   * new id: the application shows it once, under the first id it saw.
   */
  identity?: (message: M) => string;
}

const DEFAULT_REMEMBER = 10_000;

export class ConversationMerger<M extends MergeableMessage = MergeableMessage> {
  // counters as fields, not a stats object: a held client keeps two mergers
  #delivered = 0;
  #duplicatesDropped = 0;
  #reordered = 0;
  #reassigned = 0;
  #lastId: string;
  /** Ids at or below this that are not in #seen count as already delivered. */
  #floor: string;
  // The three collections are made on first use: a held client that never gets a message
  // keeps none (an empty Set or Map costs ~150 bytes; a load run holds 20,000 clients)
  #seen: Set<string> | undefined;
  #seenIdentities: Set<string> | undefined;
  #identity: ((message: M) => string) | undefined;
  #remember: number;
  #syncing = false;
  /** Live messages held back while a sync runs, by id (a duplicate live copy is dropped here). */
  #buffer: Map<string, M> | undefined;

  get stats(): MergeStats {
    return { delivered: this.#delivered, duplicatesDropped: this.#duplicatesDropped, reordered: this.#reordered, reassigned: this.#reassigned };
  }

  constructor(options: ConversationMergerOptions<M> = {}) {
    this.#lastId = options.lastId ?? '0';
    this.#floor = this.#lastId;
    this.#remember = Math.max(1, options.rememberIds ?? DEFAULT_REMEMBER);
    this.#identity = options.identity;
  }

  /** Highest id delivered so far: what a sync asks to start `after`. */
  get lastId(): string {
    return this.#lastId;
  }

  get syncing(): boolean {
    return this.#syncing;
  }

  get buffered(): number {
    return this.#buffer?.size ?? 0;
  }

  /** Ids of live messages held for a running sync, at most `max`: a sync may ask the server to leave them out. */
  bufferedIds(max: number): string[] {
    const out: string[] = [];
    for (const id of this.#buffer?.keys() ?? []) {
      if (out.length >= max) break;
      out.push(id);
    }
    return out;
  }

  /**
   * Enters sync mode (live messages are buffered from now on) and returns the `after` id to
   * send. Calling it again mid-sync (a reconnect during a sync) keeps the buffer: those live
   * messages are still real and the new sync will cover the same range.
   */
  beginSync(): string {
    this.#syncing = true;
    return this.#lastId;
  }

  /**
   * A `deleted` frame: a live message still held for a running sync is dropped (never shown).
   * Returns whether one was. One already shown stays delivered; the caller removes it from view.
   */
  drop(messageId: string): boolean {
    return this.#buffer?.delete(messageId) ?? false;
  }

  /** A live `message` frame. Returns what to show now: nothing while a sync runs. */
  onLive(message: M): M[] {
    if (this.#syncing) {
      this.#buffer ??= new Map();
      if (this.#buffer.has(message.messageId)) this.#duplicatesDropped++;
      else this.#buffer.set(message.messageId, message);
      return [];
    }
    const out: M[] = [];
    this.#deliver(message, out);
    return out;
  }

  /**
   * One `sync_result` page (oldest first, strictly after the `after` sent). Returns the page
   * merged with buffered live messages, deduplicated, in id order. With `hasMore` the caller
   * asks for the next page after `lastId`; only buffered messages inside this page's range are
   * released, since later ones may have older, still unfetched messages before them. `pageTop`
   * is the top of the range the page covered when the server left messages out of it
   * (`nextAfter`); by default the page's highest id.
   */
  applySyncResult(messages: readonly M[], hasMore: boolean, pageTop?: string): M[] {
    let batch: M[] = [...messages];
    if (hasMore) {
      const top = messages.reduce<string | undefined>(
        (max, m) => (max === undefined || compareIds(m.messageId, max) > 0 ? m.messageId : max),
        pageTop,
      );
      if (top !== undefined && this.#buffer) {
        for (const [id, m] of this.#buffer) {
          if (compareIds(id, top) <= 0) {
            batch.push(m);
            this.#buffer.delete(id);
          }
        }
      }
    } else {
      if (this.#buffer) batch = batch.concat([...this.#buffer.values()]);
      this.#buffer = undefined;
      this.#syncing = false;
    }
    // Stable sort keeps the sync copy ahead of a live copy of the same id; either is fine.
    batch.sort((a, b) => compareIds(a.messageId, b.messageId));
    const out: M[] = [];
    for (const m of batch) this.#deliver(m, out);
    return out;
  }

  #deliver(message: M, out: M[]): void {
    const id = message.messageId;
    if (this.#seen?.has(id) || compareIds(id, this.#floor) <= 0) {
      this.#duplicatesDropped++;
      return;
    }
    const identity = this.#identity?.(message);
    if (identity !== undefined && this.#seenIdentities?.has(identity)) {
      // shown before under another id: remember this id too, so a sync does not ask for it again
      this.#reassigned++;
      if (compareIds(id, this.#lastId) > 0) this.#lastId = id;
      this.#remember1(id);
      return;
    }
    if (compareIds(id, this.#lastId) < 0) this.#reordered++;
    else this.#lastId = id;
    this.#remember1(id);
    if (identity !== undefined) this.#rememberIdentity(identity);
    this.#delivered++;
    out.push(message);
  }

  #rememberIdentity(identity: string): void {
    this.#seenIdentities ??= new Set();
    this.#seenIdentities.add(identity);
    if (this.#seenIdentities.size > this.#remember) this.#seenIdentities.delete(this.#seenIdentities.values().next().value as string);
  }

  #remember1(id: string): void {
    this.#seen ??= new Set();
    this.#seen.add(id);
    if (this.#seen.size <= this.#remember) return;
    // Set iterates in insertion order: the first entry is the oldest delivery.
    const oldest = this.#seen.values().next().value as string;
    this.#seen.delete(oldest);
    if (compareIds(oldest, this.#floor) > 0) this.#floor = oldest;
  }
}

/**
 * The phone's own copy of its messages: a SQLite database (better-sqlite3) with an FTS5 index,
 * the design's "local search". One file per user. Messages are keyed by their Snowflake id (the
 * table's rowid, so the index's rowid is the message id too); adding one twice is a no-op, so
 * a live copy and a sync copy of the same message are one row. The index is contentless: it
 * holds the terms (search-terms.ts), the bodies stay in the table.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import type { Message } from '../core/lean/index.js';
import { indexText, matchExpression } from './search-terms.js';

/** A message as the protocol carries it (docs/protocol.md `message` frame, without its type). */
export type LocalMessage = Message;

export interface LocalSearchResult {
  hits: LocalMessage[];
  /** Time SQLite took, ms. */
  ms: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS messages (
  message_id INTEGER PRIMARY KEY,
  conversation_id TEXT NOT NULL,
  sender_id TEXT NOT NULL,
  client_msg_id TEXT NOT NULL,
  body TEXT NOT NULL,
  sent_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_conversation ON messages (conversation_id, message_id);
CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(terms, content='', tokenize='unicode61 remove_diacritics 0');
`;

interface Row {
  message_id: bigint;
  conversation_id: string;
  sender_id: string;
  client_msg_id: string;
  body: string;
  sent_at: bigint;
}

const toMessage = (r: Row): LocalMessage => ({
  conversationId: r.conversation_id,
  messageId: r.message_id.toString(),
  senderId: r.sender_id,
  clientMsgId: r.client_msg_id,
  body: r.body,
  sentAt: Number(r.sent_at),
});

export class LocalStore {
  /** Messages this store added (not counting repeats) and the time adding them took, ms. */
  readonly stats = { added: 0, addMs: 0 };
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly insertTerms: Database.Statement;

  private constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.insert = this.db.prepare('INSERT OR IGNORE INTO messages (message_id, conversation_id, sender_id, client_msg_id, body, sent_at) VALUES (?, ?, ?, ?, ?, ?)');
    this.insertTerms = this.db.prepare('INSERT INTO messages_fts (rowid, terms) VALUES (?, ?)');
  }

  /** Opens (or creates) the store in this file. */
  static open(file: string): LocalStore {
    return new LocalStore(file);
  }

  /** A new phone: whatever the file held is gone. */
  static openEmpty(file: string): LocalStore {
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
    return new LocalStore(file);
  }

  /** Stores (and indexes) a message; false when it was already there. */
  add(m: LocalMessage): boolean {
    const t0 = performance.now();
    const fresh = this.addRow(m, true);
    if (fresh) {
      this.stats.added++;
      this.stats.addMs += performance.now() - t0;
    }
    return fresh;
  }

  /** Stores many in one transaction; `index: false` leaves the index to reindex() (a rebuild). Returns how many were new. */
  addMany(messages: readonly LocalMessage[], o: { index: boolean } = { index: true }): number {
    return this.db.transaction(() => messages.reduce((n, m) => n + (this.addRow(m, o.index) ? 1 : 0), 0))();
  }

  private addRow(m: LocalMessage, index: boolean): boolean {
    const id = BigInt(m.messageId);
    const { changes } = this.insert.run(id, m.conversationId, m.senderId, m.clientMsgId, m.body, m.sentAt);
    if (changes === 0) return false;
    if (index) this.insertTerms.run(id, indexText(m.body));
    return true;
  }

  /** Removes a deleted message and its terms (a contentless index is told the terms it had); false when it was not there. */
  remove(messageId: string): boolean {
    const id = BigInt(messageId);
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT body FROM messages WHERE message_id = ?').get(id) as { body: string } | undefined;
      if (!row) return false;
      this.db.prepare('DELETE FROM messages WHERE message_id = ?').run(id);
      this.db.prepare("INSERT INTO messages_fts (messages_fts, rowid, terms) VALUES ('delete', ?, ?)").run(id, indexText(row.body));
      return true;
    })();
  }

  /** Drops the index and builds it again from every stored message; returns how many. */
  reindex(): number {
    return this.db.transaction(() => {
      this.db.prepare("INSERT INTO messages_fts (messages_fts) VALUES ('delete-all')").run();
      const page = this.db.prepare('SELECT message_id, body FROM messages WHERE message_id > ? ORDER BY message_id LIMIT 2000').safeIntegers(true);
      let n = 0;
      let after = -1n;
      // in pages: one connection cannot write while a read of it is still being iterated
      for (;;) {
        const rows = page.all(after) as Array<{ message_id: bigint; body: string }>;
        for (const r of rows) this.insertTerms.run(r.message_id, indexText(r.body));
        n += rows.length;
        if (rows.length === 0) break;
        after = rows.at(-1)!.message_id;
      }
      return n;
    })();
  }

  /** Newest first, every word of `query` in the body; optionally one conversation only. */
  search(query: string, o: { conversationId?: string; limit?: number } = {}): LocalSearchResult {
    const t0 = performance.now();
    const match = matchExpression(query);
    if (match === null) return { hits: [], ms: performance.now() - t0 };
    const where = o.conversationId === undefined ? '' : 'AND conversation_id = @conversationId';
    const rows = this.db
      .prepare(`SELECT * FROM messages WHERE message_id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH @match) ${where} ORDER BY message_id DESC LIMIT @limit`)
      .safeIntegers(true)
      .all({ match, limit: o.limit ?? 20, ...(o.conversationId === undefined ? {} : { conversationId: o.conversationId }) }) as Row[];
    return { hits: rows.map(toMessage), ms: performance.now() - t0 };
  }

  /** The highest id held for a conversation ("0" for none): what a sync asks to start after. */
  lastId(conversationId: string): string {
    const row = this.db.prepare('SELECT max(message_id) AS id FROM messages WHERE conversation_id = ?').safeIntegers(true).get(conversationId) as { id: bigint | null };
    return row.id === null ? '0' : row.id.toString();
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
  }

  /** What the store takes on disk: the database file once the write-ahead log is folded in. */
  bytes(): number {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const size = this.db.pragma('page_size', { simple: true }) as number;
    return pages * size;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

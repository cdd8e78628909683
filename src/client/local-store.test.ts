import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalStore, type LocalMessage } from './local-store.js';
import { indexText, matchExpression, termRuns } from './search-terms.js';

/**
 * better-sqlite3 is a native addon that `npm ci` builds for the Node it runs on. CI's second
 * unit tier reuses that node_modules on another Node major (to keep `engines` honest), where the
 * addon cannot load: only there are these tests skipped; any other load failure fails them.
 */
const addonBuiltForThisNode = (() => {
  try {
    new Database(':memory:').close();
    return true;
  } catch (err) {
    if (/NODE_MODULE_VERSION/.test(String(err))) return false;
    throw err;
  }
})();

const dirs: string[] = [];
const stores: LocalStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chatlab-local-'));
  dirs.push(dir);
  return path.join(dir, 'phone.sqlite');
}

function open(file = tempFile(), empty = false): LocalStore {
  const s = empty ? LocalStore.openEmpty(file) : LocalStore.open(file);
  stores.push(s);
  return s;
}

let seq = 0;
function msg(conversationId: string, body: string, messageId = String(7_000_000_000_000_000_000n + BigInt(++seq))): LocalMessage {
  return { conversationId, messageId, senderId: 'alice', clientMsgId: `alice.${seq}`, body, sentAt: 1_700_000_000_000 + seq };
}

describe('search terms (as the cloud analyzer cuts text)', () => {
  it('cuts English into lower-cased words and CJK into bigrams, a lone ideograph into itself', () => {
    expect(termRuns('Hello, WORLD 42')).toEqual([['hello'], ['world'], ['42']]);
    expect(termRuns('分布式数据库')).toEqual([['分布', '布式', '式数', '数据', '据库']]);
    expect(termRuns('a京b')).toEqual([['a'], ['京'], ['b']]);
    // full-width forms fold (cjk_width): ＡＢＣ is abc
    expect(indexText('ＡＢＣ')).toBe('abc');
  });

  it('makes a phrase of a CJK run and quotes every word; nothing to match is null', () => {
    expect(matchExpression('数据库 Design')).toBe('"数据 据库" "design"');
    expect(matchExpression(' ,.!? ')).toBeNull();
    // a quote in the query cannot break out of the expression
    expect(matchExpression('a"b OR c')).toBe('"a" "b" "or" "c"');
  });
});

describe.skipIf(!addonBuiltForThisNode)('the local store (real SQLite, FTS5)', () => {
  it('finds a message by a unique word and by a Chinese word inside a sentence, newest first', () => {
    const s = open();
    const a = msg('c1', 'the quick zebra7f jumps');
    const b = msg('c1', '我们明天讨论分布式数据库的设计');
    const c = msg('c2', 'Another ZEBRA7F here');
    for (const m of [a, b, c]) expect(s.add(m)).toBe(true);
    expect(s.search('zebra7f').hits.map((h) => h.messageId)).toEqual([c.messageId, a.messageId]);
    expect(s.search('zebra7f', { conversationId: 'c1' }).hits).toEqual([a]);
    expect(s.search('数据库').hits.map((h) => h.messageId)).toEqual([b.messageId]);
    expect(s.search('数据仓库').hits).toEqual([]);
    // every word must be there
    expect(s.search('quick zebra7f').hits.map((h) => h.messageId)).toEqual([a.messageId]);
    expect(s.search('quick nothere').hits).toEqual([]);
    expect(s.search('zebra7f', { limit: 1 }).hits).toHaveLength(1);
    expect(s.search('zebra7f').ms).toBeGreaterThanOrEqual(0);
  });

  it('stores a message once however often it arrives (live and sync copies)', () => {
    const s = open();
    const m = msg('c1', 'once only');
    expect(s.add(m)).toBe(true);
    expect(s.add(m)).toBe(false);
    expect(s.addMany([m, msg('c1', 'twice only')])).toBe(1);
    expect(s.count()).toBe(2);
    expect(s.search('once').hits).toHaveLength(1);
    expect(s.stats.added).toBe(1);
  });

  it('keeps 19-digit ids exact and knows the last id per conversation', () => {
    const s = open();
    expect(s.lastId('c1')).toBe('0');
    s.add(msg('c1', 'x', '9007199254740993123'));
    s.add(msg('c1', 'y', '9007199254740993125'));
    s.add(msg('c2', 'z', '9007199254740993999'));
    expect(s.lastId('c1')).toBe('9007199254740993125');
    expect(s.search('y').hits[0]!.messageId).toBe('9007199254740993125');
  });

  it('survives a reopen, and a new phone starts empty, then is searchable once reindexed', () => {
    const file = tempFile();
    const old = open(file);
    const msgs = Array.from({ length: 50 }, (_, i) => msg('c1', `message number w${i} 上海见`));
    old.addMany(msgs);
    old.close();
    expect(open(file).search('w7').hits).toHaveLength(1);

    const phone = open(file, true);
    expect(phone.count()).toBe(0);
    expect(phone.addMany(msgs, { index: false })).toBe(50);
    expect(phone.search('w7').hits).toEqual([]); // stored, not yet indexed
    expect(phone.reindex()).toBe(50);
    expect(phone.search('w7').hits.map((h) => h.body)).toEqual(['message number w7 上海见']);
    expect(phone.search('上海', { limit: 100 }).hits).toHaveLength(50);
    // reindexing again does not double the index
    phone.reindex();
    expect(phone.search('上海', { limit: 100 }).hits).toHaveLength(50);
  });

  it('measures its size on disk, growing with what it holds', () => {
    const s = open();
    const empty = s.bytes();
    expect(empty).toBeGreaterThan(0);
    s.addMany(Array.from({ length: 500 }, (_, i) => msg('c1', `filler ${'x'.repeat(150)} n${i}`)));
    expect(s.bytes()).toBeGreaterThan(empty + 500 * 150);
  });

  it('removes a deleted message from the store and from search; removing it again is a no-op', () => {
    const s = open();
    const a = msg('c1', 'delete me qx81z');
    const b = msg('c1', 'keep me qx81z');
    s.add(a);
    s.add(b);
    expect(s.remove(a.messageId)).toBe(true);
    expect(s.search('qx81z').hits).toEqual([b]);
    expect(s.search('delete').hits).toEqual([]);
    expect(s.count()).toBe(1);
    expect(s.remove(a.messageId)).toBe(false);
    // the index stays consistent with the rows: a rebuild finds the same
    s.reindex();
    expect(s.search('qx81z').hits).toEqual([b]);
  });
});

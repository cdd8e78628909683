import { Redis } from 'ioredis';
import { isOpen, openSocket, type AbuseSocket } from './socket.js';
import type { Tally } from './tally.js';

const MAX_ID = '9223372036854775807';

export interface ChatAttackSetup {
  gateway: string;
  redisUrl: string;
  /** A conversation of the normal traffic, which `outsider` is not in. */
  loadConversation: string;
  /** A conversation of the attackers' own: a and b are members (the load never sees it). */
  own: { conversationId: string; a: string; b: string };
  tokenOf(userId: string): string;
  outsider: string;
}

export interface StoredSnapshot {
  /** messageId → body, of the messages `a` sent before the reuse attack. */
  before: Map<string, string>;
}

async function socket(url: string, token: string): Promise<AbuseSocket> {
  const s = await openSocket(url, token);
  if (!isOpen(s)) throw new Error(`abuse: could not open a socket (${s.refused})`);
  return s;
}

/**
 * Frames a member may not send or should not be able to misuse: frames for other users'
 * conversations, a clientMsgId of another member reused, giant `after` ranges, read ids
 * beyond the last message, an oversized frame. Returns what `a` stored first, to compare later.
 */
export async function chatAttacks(t: Tally, s: ChatAttackSetup, n: number): Promise<StoredSnapshot> {
  const outsider = await socket(s.gateway, s.tokenOf(s.outsider));
  for (let i = 0; i < n; i++) {
    const ref = `x-${i}`;
    outsider.ws.send(JSON.stringify({ type: 'send', clientMsgId: ref, conversationId: s.loadConversation, body: 'let me in' }));
    const e = await outsider.waitFor((f) => f.type === 'error' && f.ref === ref);
    t.add("frames for other users' conversations", 'gateway', 'error not_member', e ? `error ${e.code}` : 'no answer');
  }
  outsider.ws.send(JSON.stringify({ type: 'sync', conversationId: s.loadConversation, after: '0' }));
  const se = await outsider.waitFor((f) => f.type === 'error' || f.type === 'sync_result');
  t.add("frames for other users' conversations", 'gateway', 'error not_member', se ? (se.type === 'error' ? `error ${se.code}` : se.type) : 'no answer');
  outsider.close();

  const { conversationId: conv, a, b } = s.own;
  const sa = await socket(s.gateway, s.tokenOf(a));
  const sb = await socket(s.gateway, s.tokenOf(b));
  const before = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const ref = `a-${i}`;
    sa.ws.send(JSON.stringify({ type: 'send', clientMsgId: ref, conversationId: conv, body: `original ${i}` }));
    const ack = await sa.waitFor((f) => f.type === 'ack' && f.clientMsgId === ref, 10_000);
    if (ack) before.set(ack.messageId, `original ${i}`);
    // b reuses a's clientMsgId: it must be b's own new message, never a rewrite of a's
    sb.ws.send(JSON.stringify({ type: 'send', clientMsgId: ref, conversationId: conv, body: `TAMPERED ${i}` }));
    const bAck = await sb.waitFor((f) => (f.type === 'ack' || f.type === 'error') && (f.clientMsgId === ref || f.ref === ref), 10_000);
    const answer = !bAck ? 'no answer' : bAck.type === 'error' ? `error ${bAck.code}` : ack && bAck.messageId === ack.messageId ? "ack with a's messageId" : 'ack with a new messageId';
    t.add('clientMsgId reused by another member', 'gateway', 'ack with a new messageId', answer);
  }

  for (const after of ['1', MAX_ID]) {
    const started = Date.now();
    sa.ws.send(JSON.stringify({ type: 'sync', conversationId: conv, after, limit: 500 }));
    // a frame is counted once: the second sync must not take the first one's answer
    const r = await sa.waitFor((f) => (f.type === 'sync_result' || f.type === 'error') && f.conversationId === conv && !f.__seen, 15_000);
    if (r) r.__seen = true;
    const answer = !r ? 'no answer in 15 s' : r.type === 'error' ? `error ${r.code}` : Date.now() - started < 10_000 ? 'sync_result within 10 s' : 'sync_result after 10 s';
    const label = after === '1' ? 'giant after range (sync after=1, limit 500)' : 'after beyond any id (sync after=2^63-1)';
    t.add(label, 'gateway', 'sync_result within 10 s', answer);
  }

  const redis = new Redis(s.redisUrl, { maxRetriesPerRequest: 2 });
  try {
    for (let i = 0; i < n; i++) {
      sa.ws.send(JSON.stringify({ type: 'read', conversationId: conv, messageId: MAX_ID }));
    }
    await new Promise((r) => setTimeout(r, 500));
    const mark = await redis.hget(`rcpt:wm:${conv}`, a);
    const answer = mark === null ? 'no watermark' : mark === MAX_ID ? 'accepted as sent' : 'clamped to the last id';
    for (let i = 0; i < n; i++) t.add('out-of-range read id', 'gateway', 'clamped to the last id', answer);
  } finally {
    redis.disconnect();
  }

  sa.ws.send(JSON.stringify({ type: 'send', clientMsgId: 'huge', conversationId: conv, body: 'x'.repeat(70 * 1024) }));
  t.add('oversized frame (70 KiB)', 'gateway', 'close 1009', `close ${await Promise.race([sa.closed, new Promise((r) => setTimeout(() => r('none'), 5000))])}`);
  sb.close();
  return { before };
}

/** What `a` stored before the reuse attack, read back through the API: bodies changed. */
export async function changedStored(gateway: string, token: string, conversationId: string, snap: StoredSnapshot): Promise<number> {
  const res = await fetch(`${gateway}/v1/conversations/${conversationId}/messages?after=0&limit=500`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) return snap.before.size;
  const { messages } = (await res.json()) as { messages: Array<{ messageId: string; body: string }> };
  const stored = new Map(messages.map((m) => [m.messageId, m.body]));
  let changed = 0;
  for (const [id, body] of snap.before) if (stored.get(id) !== body) changed++;
  return changed;
}

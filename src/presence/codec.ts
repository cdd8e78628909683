/**
 * Presence events on the `presence:events` stream. A stream, not PUBLISH: events written
 * while the presence server is down or restarting wait for it (a consumer group tracks what
 * was handled), where a PUBLISH with no subscriber is gone. The stream is capped, so a long
 * outage drops the oldest events; the TTL sweep and the next heartbeats repair the state.
 */
export type PresenceEventKind = 'connect' | 'disconnect' | 'heartbeat';

export interface PresenceEvent {
  kind: PresenceEventKind;
  userId: string;
  socketId: string;
  /** ms at the gateway. */
  at: number;
}

/** Roughly 100 bytes an entry: 100k entries ≈ 10 MB of Redis for minutes of backlog. */
export const PRESENCE_STREAM_MAXLEN = 100_000;

const CODE: Record<PresenceEventKind, string> = { connect: 'c', disconnect: 'd', heartbeat: 'h' };
const KIND: Record<string, PresenceEventKind> = { c: 'connect', d: 'disconnect', h: 'heartbeat' };

/** Field/value pairs for XADD (short names: there are many of these). */
export function encodePresenceEvent(e: PresenceEvent): string[] {
  return ['e', CODE[e.kind], 'u', e.userId, 's', e.socketId, 't', String(e.at)];
}

/** null for an entry that is not a presence event (skipped, not fatal). */
export function decodePresenceEvent(fields: readonly string[]): PresenceEvent | null {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
  const kind = KIND[f['e'] ?? ''];
  const at = Number(f['t']);
  if (!kind || !f['u'] || !f['s'] || !Number.isFinite(at)) return null;
  return { kind, userId: f['u'], socketId: f['s'], at };
}

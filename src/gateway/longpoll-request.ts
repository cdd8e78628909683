import { ChatlabError, ErrorCodes, parseClientFrame, type ClientFrame } from '../core/index.js';

/** Long-poll limits (docs/protocol.md, "Long polling"). */
export const LONGPOLL = {
  /** A poll waits this long for a frame when it names no `wait`. */
  defaultWaitMs: 20_000,
  /** The most a poll may wait (under the HTTP server's own timeouts). */
  maxWaitMs: 25_000,
  /** Client frames in one POST. */
  maxFramesPerPost: 100,
  /** Bytes of one POST body (each frame also within the WebSocket frame limit). */
  maxBodyBytes: 1024 * 1024,
} as const;

/** Session ids are 16 random bytes, base64url. */
const SESSION_ID = /^[A-Za-z0-9_-]{22}$/;

export type LongPollPath = { kind: 'open' } | { kind: 'session'; sessionId: string };

/** `/v1/lp` (open) or `/v1/lp/<session>`; null for any other path. A malformed session id is a 400. */
export function matchLongPollPath(pathname: string): LongPollPath | null {
  if (pathname === '/v1/lp') return { kind: 'open' };
  if (!pathname.startsWith('/v1/lp/')) return null;
  const sessionId = pathname.slice('/v1/lp/'.length);
  if (!SESSION_ID.test(sessionId)) throw new ChatlabError(ErrorCodes.BAD_REQUEST, 'malformed long-poll session id');
  return { kind: 'session', sessionId };
}

/** `?wait=` in ms: absent → the default; else a whole number 0..maxWaitMs. */
export function parseWaitMs(params: URLSearchParams): number {
  const raw = params.get('wait');
  if (raw === null) return LONGPOLL.defaultWaitMs;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) > LONGPOLL.maxWaitMs) {
    throw new ChatlabError(ErrorCodes.BAD_REQUEST, `wait: must be a whole number of ms, 0..${LONGPOLL.maxWaitMs}`);
  }
  return Number(raw);
}

/** `?ack=`: the sequence number of the last frame the client got (absent: frames go once answered). */
export function parseAck(params: URLSearchParams): number | undefined {
  const raw = params.get('ack');
  if (raw === null) return undefined;
  if (!/^\d{1,15}$/.test(raw)) throw new ChatlabError(ErrorCodes.BAD_REQUEST, 'ack: must be the whole-number seq of the last frame received (0 before any)');
  return Number(raw);
}

/**
 * A POST body: one client frame or an array of them, each checked as the WebSocket checks a
 * frame (size, JSON, schema). All or nothing: the first bad one makes the whole POST a 400 that
 * names it, and none of the others is acted on.
 */
export function parseFramesBody(body: Buffer, maxFrameBytes: number): ClientFrame[] {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ChatlabError(ErrorCodes.BAD_REQUEST, 'bad_json: body is not valid JSON');
  }
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new ChatlabError(ErrorCodes.BAD_REQUEST, 'invalid_frame: no frame in the body');
  if (list.length > LONGPOLL.maxFramesPerPost) throw new ChatlabError(ErrorCodes.BAD_REQUEST, `invalid_frame: at most ${LONGPOLL.maxFramesPerPost} frames per POST`);
  return list.map((item, i) => {
    const raw = JSON.stringify(item) ?? '';
    const where = Array.isArray(value) ? `frames[${i}]: ` : '';
    if (Buffer.byteLength(raw) > maxFrameBytes) throw new ChatlabError(ErrorCodes.BAD_REQUEST, `${where}frame_too_large: a frame is at most ${maxFrameBytes} bytes`);
    const parsed = parseClientFrame(raw);
    if (!parsed.ok) throw new ChatlabError(ErrorCodes.BAD_REQUEST, `${where}${parsed.code}: ${parsed.message}`);
    return parsed.frame;
  });
}

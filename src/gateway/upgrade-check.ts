import type { IncomingMessage } from 'node:http';

/** The key `ws` accepts: 16 random bytes in base64 (RFC 6455 §4.2.1). */
const KEY = /^[+/0-9A-Za-z]{22}==$/;

/**
 * What `ws` would refuse in a handshake, checked before the gateway spends anything on it
 * (a Redis subscription is reserved per upgrade): `ws` answers such a request itself and
 * never calls back, so a reservation made first would never be released.
 * Returns the problem, or null for a handshake `ws` will complete.
 */
export function upgradeProblem(req: IncomingMessage): string | null {
  if (req.method !== 'GET') return 'method must be GET';
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return 'Upgrade must be websocket';
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string' || !KEY.test(key.trim())) return 'bad Sec-WebSocket-Key';
  const version = req.headers['sec-websocket-version'];
  if (version !== '13' && version !== '8') return 'Sec-WebSocket-Version must be 13';
  return null;
}

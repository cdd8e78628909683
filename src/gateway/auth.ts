/**
 * Request-auth glue of the gateway: where a WebSocket upgrade or an HTTP call carries its
 * bearer token. Signing and verifying the token itself is core's (`signToken`, `verifyToken`),
 * since the CLI, scenarios and bench mint tokens without starting a gateway.
 */
import type { IncomingMessage } from 'node:http';

/**
 * The header wins over the query: browsers cannot set headers on a WebSocket, so `?token=` is
 * the fallback, but a client that sends both means the header.
 */
export function tokenFromRequest(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (typeof header === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (m?.[1] !== undefined) return m[1];
  }
  if (req.url === undefined) return undefined;
  let fromQuery: string | null;
  try {
    fromQuery = new URL(req.url, 'http://localhost').searchParams.get('token');
  } catch {
    return undefined;
  }
  return fromQuery === null || fromQuery === '' ? undefined : fromQuery;
}

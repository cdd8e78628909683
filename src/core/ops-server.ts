import http from 'node:http';
import type { Registry } from './metrics.js';

export type RouteHandler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<boolean> | boolean;

/** Slow-drip clients: headers must be complete within this, a whole request within the next. */
export const OPS_HEADERS_TIMEOUT_MS = 10_000;
export const OPS_REQUEST_TIMEOUT_MS = 30_000;

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The request's URL, or null when it cannot be one (`GET //a:99999/`): the target comes from
 * whoever connected, so a throw here must never escape the request handler.
 */
export function parseRequestUrl(raw: string | undefined): URL | null {
  try {
    return new URL(raw ?? '/', 'http://localhost');
  } catch {
    return null;
  }
}

/**
 * The HTTP side every service has: GET /healthz (200 only while `healthy()` holds) and
 * GET /metrics (Prometheus text); other routes go to `extra` (the gateway's API).
 * `log` gets what an unexpected failure said; the client only gets a generic answer, since
 * driver errors name hosts, keyspaces and queries.
 */
export function createOpsServer(options: { registry: Registry; healthy: () => Promise<boolean> | boolean; extra?: RouteHandler; log?: (line: string) => void }): http.Server {
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  // checking every second (not Node's 30 s) makes the slow-drip timeouts bite on time
  const server = http.createServer({ connectionsCheckingInterval: 1000 }, (req, res) => {
    void (async () => {
      try {
        const url = parseRequestUrl(req.url);
        if (!url) return sendJson(res, 400, { error: { code: 'CHATLAB_E_BAD_REQUEST', message: 'malformed request target' } });
        if (req.method === 'GET' && url.pathname === '/healthz') {
          const ok = await options.healthy();
          return sendJson(res, ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable' });
        }
        if (req.method === 'GET' && url.pathname === '/metrics') {
          const text = await options.registry.metrics();
          res.writeHead(200, { 'content-type': options.registry.contentType });
          return res.end(text);
        }
        if (options.extra && (await options.extra(req, res, url))) return;
        sendJson(res, 404, { error: { code: 'CHATLAB_E_NOT_FOUND', message: `no route ${req.method} ${url.pathname}` } });
      } catch (err) {
        log(`request ${req.method} failed: ${err instanceof Error ? err.message : String(err)}`);
        if (!res.headersSent) sendJson(res, 500, { error: { code: 'CHATLAB_E_INTERNAL', message: 'internal error' } });
        else res.destroy();
      }
    })();
  });
  server.headersTimeout = OPS_HEADERS_TIMEOUT_MS;
  server.requestTimeout = OPS_REQUEST_TIMEOUT_MS;
  return server;
}

export function listen(server: http.Server, port: number, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

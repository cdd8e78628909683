import http from 'node:http';
import type { Registry } from './metrics.js';

export type RouteHandler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<boolean> | boolean;

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The HTTP side every service has: GET /healthz (200 only while `healthy()` holds) and
 * GET /metrics (Prometheus text); other routes go to `extra` (the gateway's API).
 */
export function createOpsServer(options: { registry: Registry; healthy: () => Promise<boolean> | boolean; extra?: RouteHandler }): http.Server {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    void (async () => {
      try {
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
        sendJson(res, 404, { error: { code: 'not_found', message: `no route ${req.method} ${url.pathname}` } });
      } catch (err) {
        if (!res.headersSent) sendJson(res, 500, { error: { code: 'internal', message: err instanceof Error ? err.message : String(err) } });
      }
    })();
  });
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

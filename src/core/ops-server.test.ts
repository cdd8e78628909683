import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createRegistry } from './metrics.js';
import { createOpsServer, listen } from './ops-server.js';
import { installLastResort } from './last-resort.js';

/** Sends raw bytes (a request no HTTP client would build) and returns the status line. */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(text));
    let got = '';
    s.on('data', (d) => (got += d.toString()));
    s.on('end', () => resolve(got.split('\r\n')[0] ?? ''));
    s.on('close', () => resolve(got.split('\r\n')[0] ?? ''));
    s.on('error', reject);
  });
}

const servers: Array<{ close(): void }> = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function start(extra?: Parameters<typeof createOpsServer>[0]['extra']) {
  const logs: string[] = [];
  const server = createOpsServer({ registry: createRegistry('t'), healthy: () => true, extra, log: (l) => logs.push(l) });
  servers.push(server);
  return { port: await listen(server, 0), logs };
}

describe('ops server: hostile requests', () => {
  it('answers a request target that is no URL with 400 and keeps serving', async () => {
    const { port } = await start();
    expect(await raw(port, 'GET //a:99999/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toBe('HTTP/1.1 400 Bad Request');
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });

  it('never sends what a failed handler threw: a generic 500 with a stable code, the detail in the log', async () => {
    const { port, logs } = await start(() => {
      throw new Error('connect ECONNREFUSED 10.0.0.7:9042 keyspace secret_ks');
    });
    const res = await fetch(`http://127.0.0.1:${port}/v1/x`);
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error).toEqual({ code: 'CHATLAB_E_INTERNAL', message: 'internal error' });
    expect(logs.join('\n')).toMatch(/ECONNREFUSED/);
  });

  it('unknown routes are 404 with a stable code', async () => {
    const { port } = await start();
    const res = await fetch(`http://127.0.0.1:${port}/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error.code).toBe('CHATLAB_E_NOT_FOUND');
  });
});

describe('installLastResort', () => {
  it('logs an uncaught rejection and exits 1 once', async () => {
    const codes: number[] = [];
    // vitest has its own handlers; ours must fire too
    const remove = installLastResort('svc', (c) => codes.push(c));
    try {
      process.emit('unhandledRejection', new Error('boom'), Promise.resolve());
      process.emit('unhandledRejection', new Error('again'), Promise.resolve());
      expect(codes).toEqual([1]);
    } finally {
      remove();
    }
  });
});

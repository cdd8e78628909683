import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { Connection } from './connection.js';
import type { GatewayContext } from './context.js';

function connection() {
  const sent: any[] = [];
  const ws = Object.assign(new EventEmitter(), { bufferedAmount: 0, send: (f: string) => sent.push(JSON.parse(f)), ping: vi.fn(), terminate: vi.fn(), close: vi.fn() });
  const ctx = {
    gatewayId: 'gw-t',
    options: { rateLimitPerSec: 100, rateLimitBurst: 100, outboundLimitBytes: 1 << 20, idleTimeoutMs: 1000 },
    metrics: { errors: { inc() {} }, closes: { inc() {} } },
  } as unknown as GatewayContext;
  return { conn: Connection.overWebSocket(ctx, ws as never, 'u1'), sent, ws };
}

describe('Connection', () => {
  it('never sends a driver message to the client: internal/unavailable get a fixed sentence', () => {
    const { conn, sent } = connection();
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    conn.error('unavailable', 'could not route: connect ECONNREFUSED 10.0.0.7:6379', 'm1');
    conn.error('internal', 'ResponseError: keyspace chatlab_secret does not exist');
    conn.error('not_member', 'you are not a member of g_x', 'm2');
    stderr.mockRestore();
    expect(sent[0]).toEqual({ type: 'error', code: 'unavailable', message: 'not durable: send again with the same clientMsgId', ref: 'm1' });
    expect(sent[1]).toEqual({ type: 'error', code: 'internal', message: 'internal error' });
    expect(sent[2].message).toBe('you are not a member of g_x');
    expect(JSON.stringify(sent)).not.toMatch(/ECONNREFUSED|keyspace/);
  });

  it('pings each interval, drops a peer that did not answer, closes an idle one with 4000', () => {
    const a = connection();
    a.conn.checkLiveness(Date.now());
    expect(a.ws.ping).toHaveBeenCalledTimes(1);
    a.conn.checkLiveness(Date.now()); // no pong came
    expect(a.ws.terminate).toHaveBeenCalled();

    const b = connection();
    b.conn.checkLiveness(Date.now());
    b.ws.emit('pong');
    b.conn.checkLiveness(Date.now() + 1000);
    expect(b.ws.terminate).not.toHaveBeenCalled();
    expect(b.ws.close).toHaveBeenCalledWith(4000, 'idle timeout');
  });
});

import type http from 'node:http';
import { describe, expect, it } from 'vitest';
import { createRng, type ServerFrame } from '../core/index.js';
import type { Connection } from './connection.js';
import type { GatewayContext } from './context.js';
import { drainAndClose, reconnectDelayMs } from './shutdown.js';

function fakeSocket() {
  const frames: ServerFrame[] = [];
  const closes: number[] = [];
  const conn = {
    closed: false,
    bufferedAmount: 0,
    sendFrame: (f: ServerFrame) => void frames.push(f),
    close: (code: number) => void closes.push(code),
  };
  return { conn: conn as unknown as Connection, frames, closes };
}

describe('graceful shutdown', () => {
  it('spreads the reconnect delays with the injected random source, then closes with 1012', async () => {
    const sockets = [fakeSocket(), fakeSocket(), fakeSocket()];
    const server = { close: () => {}, closeAllConnections: () => {} } as unknown as http.Server;
    const ctx = { options: { reconnectSpreadMs: 2000, drainTimeoutMs: 0 }, inFlight: new Set() } as unknown as GatewayContext;
    const draws = [0, 0.5, 0.9999];
    await drainAndClose({ server, ctx, sockets: () => sockets.map((s) => s.conn), random: () => draws.shift()! });
    expect(sockets.map((s) => s.frames)).toEqual([[{ type: 'reconnect', afterMs: 0 }], [{ type: 'reconnect', afterMs: 1000 }], [{ type: 'reconnect', afterMs: 2000 }]]);
    expect(sockets.map((s) => s.closes)).toEqual([[1012], [1012], [1012]]);
  });

  it('replays the same spread from the same seed', () => {
    const spread = (seed: number) => {
      const rng = createRng(seed);
      return Array.from({ length: 5 }, () => reconnectDelayMs(2000, () => rng.next()));
    };
    expect(spread(7)).toEqual(spread(7));
    for (const d of spread(7)) {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(2000);
    }
  });
});

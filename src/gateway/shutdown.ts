import type http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { CloseCodes } from '../core/index.js';
import type { Connection } from './connection.js';
import type { GatewayContext } from './context.js';

/**
 * Graceful shutdown: stop accepting, tell every socket to come back after a delay spread over
 * `reconnectSpreadMs` (no thundering herd on the other gateways), let accepted sends reach
 * Kafka and queued frames leave, then close with 1012.
 */
export async function drainAndClose(p: {
  server: http.Server;
  ctx: GatewayContext;
  sockets: () => Connection[];
  /** Uniform in [0, 1); injected (docs/architecture.md#conventions) so a test can pin the spread. */
  random?: () => number;
}): Promise<void> {
  const { server, ctx, random = Math.random } = p;
  server.close();
  const sockets = p.sockets();
  for (const conn of sockets) conn.sendFrame({ type: 'reconnect', afterMs: reconnectDelayMs(ctx.options.reconnectSpreadMs, random) });
  const deadline = Date.now() + ctx.options.drainTimeoutMs;
  // a client may still send until it acts on `reconnect`: everything accepted gets its ack
  await sleep(Math.min(200, ctx.options.drainTimeoutMs));
  while (ctx.inFlight.size > 0 && Date.now() < deadline) await Promise.race([Promise.allSettled([...ctx.inFlight]), sleep(100)]);
  while (sockets.some((c) => !c.closed && c.bufferedAmount > 0) && Date.now() < deadline) await sleep(20);
  for (const conn of sockets) conn.close(CloseCodes.RESTARTING, 'gateway restarting', 'restarting');
  server.closeAllConnections?.();
}

/** A delay uniform over [0, spreadMs], whole milliseconds, both ends possible. */
export function reconnectDelayMs(spreadMs: number, random: () => number): number {
  return Math.floor(random() * (spreadMs + 1));
}

import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { createRng } from '../core/lean/index.js';
import { SimClient, type ClientRecorder } from './sim-client.js';

// A gateway at its open-files limit takes a connection and closes it at once (libuv accepts and
// drops what it has no descriptor for); a gone one refuses. A client that finds one of them
// tries the next gateway before its backoff waits, as a client tries every address of a name.
const closers: Array<() => Promise<void>> = [];
const clients: SimClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.stop();
  for (const close of closers.splice(0)) await close();
});

async function fullGateway(): Promise<string> {
  const srv = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise((r) => srv.close(() => r())));
  return `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}`;
}

async function goneGateway(): Promise<string> {
  const base = await fullGateway();
  await closers.pop()!();
  return base;
}

async function liveGateway(): Promise<string> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  closers.push(async () => {
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
  });
  return `http://127.0.0.1:${(wss.address() as net.AddressInfo).port}`;
}

function counting() {
  const seen = { attempts: 0, connects: 0 };
  const recorder: ClientRecorder = {
    now: () => Date.now(),
    sent: () => {},
    acked: () => {},
    delivered: () => {},
    connectAttempt: () => void seen.attempts++,
    connected: () => void seen.connects++,
    disconnected: () => {},
    syncRequest: () => {},
    error: () => {},
  };
  return { seen, recorder };
}

const until = async (cond: () => boolean, ms: number) => {
  const t0 = Date.now();
  while (!cond() && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 10));
};

// a minute's backoff: a client that waited it would not connect within the test
const slowBackoff = { policy: 'exponential', minMs: 60_000, maxMs: 60_000 } as const;

describe('a simulated client whose gateway refuses it', () => {
  it('tries the next gateway at once, without waiting its backoff', async () => {
    for (const refusing of [await fullGateway(), await goneGateway()]) {
      const { seen, recorder } = counting();
      const c = new SimClient({ userId: 'ann', token: 'ann', gateways: [refusing, await liveGateway()], gatewayIndex: 0, conversations: [], backoff: slowBackoff, rng: createRng(1), recorder });
      clients.push(c);
      c.start();
      await until(() => c.state === 'connected', 3000);
      expect(c.state).toBe('connected');
      expect(seen).toEqual({ attempts: 2, connects: 1 });
    }
  });

  it('waits its backoff once every gateway refused it, one try each', async () => {
    const { seen, recorder } = counting();
    const c = new SimClient({ userId: 'ben', token: 'ben', gateways: [await fullGateway(), await goneGateway(), await fullGateway()], gatewayIndex: 1, conversations: [], backoff: slowBackoff, rng: createRng(2), recorder });
    clients.push(c);
    c.start();
    await until(() => c.state === 'waiting', 3000);
    await new Promise((r) => setTimeout(r, 300));
    expect(c.state).toBe('waiting');
    expect(seen).toEqual({ attempts: 3, connects: 0 });
  });
});

import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { createRng } from '../core/lean/index.js';
import { SimClient, type ClientRecorder } from './sim-client.js';

// A gateway whose storage is down: every sync is refused `unavailable`. How soon, and how much
// in step, do clients ask again?
const servers: WebSocketServer[] = [];
const clients: SimClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.stop();
  for (const s of servers.splice(0)) {
    for (const c of s.clients) c.terminate();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

const recorder: ClientRecorder = {
  now: () => Date.now(),
  sent: () => {},
  acked: () => {},
  delivered: () => {},
  connectAttempt: () => {},
  connected: () => {},
  disconnected: () => {},
  syncRequest: () => {},
  error: () => {},
};

describe('a simulated client whose syncs are refused', () => {
  it("asks again after its own backoff with jitter (growing, never in step with another client), not every second", async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    servers.push(wss);
    await new Promise((r) => wss.once('listening', r));
    const syncsOf = new Map<string, number[]>();
    wss.on('connection', (socket, req) => {
      const user = String(req.headers.authorization).slice('Bearer '.length);
      socket.on('message', (d) => {
        const f = JSON.parse(d.toString()) as { type: string; conversationId: string };
        if (f.type !== 'sync') return;
        syncsOf.set(user, [...(syncsOf.get(user) ?? []), Date.now()]);
        socket.send(JSON.stringify({ type: 'error', code: 'unavailable', message: 'storage down', conversationId: f.conversationId }));
      });
    });
    const base = `http://127.0.0.1:${(wss.address() as net.AddressInfo).port}`;
    for (const userId of ['ann', 'ben']) {
      const c = new SimClient({ userId, token: userId, gateways: [base], gatewayIndex: 0, conversations: ['c1'], backoff: { policy: 'full-jitter', minMs: 50, maxMs: 400 }, rng: createRng(userId === 'ann' ? 1 : 2), recorder });
      clients.push(c);
      c.start();
    }
    // a reconnect is what makes a client sync: drop both once they are in
    await new Promise((r) => setTimeout(r, 200));
    for (const s of wss.clients) s.terminate();
    await new Promise((r) => setTimeout(r, 1500));

    for (const user of ['ann', 'ben']) {
      const times = syncsOf.get(user) ?? [];
      // refused at once each time, so the gaps are the client's waits: at least four asks in 1.5 s,
      // none apart by more than the backoff's cap
      expect(times.length).toBeGreaterThanOrEqual(4);
      const gaps = times.slice(1).map((t, i) => t - times[i]!);
      expect(Math.max(...gaps)).toBeLessThan(600);
    }
    const gapsOf = (u: string) => (syncsOf.get(u) ?? []).slice(1, 4).map((t, i) => t - syncsOf.get(u)![i]!);
    expect(gapsOf('ann')).not.toEqual(gapsOf('ben'));
  });
});

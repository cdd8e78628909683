import { inject } from 'vitest';
import { afterAll, describe, expect, it } from 'vitest';
import { readState, startService } from '../../src/stack/index.js';
import { connect, type TestSocket } from '../support/ws-client.js';
import { createConversation, token, users } from './support.js';

// from the state file, not inject(): earlier tests may have restarted a gateway (new pid)
const services = () => readState(inject('stateDir'))!.services.filter((s) => s.kind === 'gateway');

afterAll(async () => {
  // bring the stopped gateway back (same config, same port) for the test files after this one
  const g2 = services()[1]!;
  const healthy = await fetch(`${g2.url}/healthz`).then((r) => r.ok, () => false);
  if (!healthy) await startService(inject('stateDir'), g2.name);
});

describe('graceful gateway shutdown (SIGTERM) while messages flow', () => {
  it('sockets get reconnect then 1012; after reconnecting and syncing, no message is lost or duplicated', async () => {
    const [g1, g2] = services() as unknown as [{ url: string; pid: number }, { url: string; pid: number }];
    const [sender, receiver] = users('drain', 2) as [string, string];
    const conv = (await createConversation(g1.url, sender, [sender, receiver])).body.conversationId;

    // both on the gateway that is going away
    let s: TestSocket = await connect(g2.url, token(sender));
    let r: TestSocket = await connect(g2.url, token(receiver));
    const total = 200;
    const acked = new Map<string, string>();
    const received = new Map<string, number>();
    const track = (sock: TestSocket) =>
      sock.ws.on('message', (d) => {
        const f = JSON.parse(d.toString());
        if (f.type === 'message') received.set(f.messageId, (received.get(f.messageId) ?? 0) + 1);
      });
    const trackAcks = (sock: TestSocket) =>
      sock.ws.on('message', (d) => {
        const f = JSON.parse(d.toString());
        if (f.type === 'ack') acked.set(f.clientMsgId, f.messageId);
      });
    track(r);
    trackAcks(s);

    let sent = 0;
    let senderOpen = true;
    const pump = setInterval(() => {
      if (senderOpen && sent < total && s.ws.readyState === s.ws.OPEN) {
        s.send({ type: 'send', clientMsgId: `c${sent}`, conversationId: conv, body: `n${sent}` });
        sent++;
      }
    }, 5);
    await new Promise((res) => setTimeout(res, 300));
    process.kill(g2.pid, 'SIGTERM');

    const reconnect = await r.waitFor((f) => f.type === 'reconnect', 10_000, 'reconnect frame');
    expect(reconnect.afterMs).toBeGreaterThanOrEqual(0);
    expect((await r.closed).code).toBe(1012);
    expect((await s.closed).code).toBe(1012);
    senderOpen = false;
    const cut = sent;

    // clients come back on the other gateway: the sender re-sends what was never acked
    s = await connect(g1.url, token(sender));
    trackAcks(s);
    r = await connect(g1.url, token(receiver));
    track(r);
    for (let i = 0; i < cut; i++) if (!acked.has(`c${i}`)) s.send({ type: 'send', clientMsgId: `c${i}`, conversationId: conv, body: `n${i}` });
    senderOpen = true;
    await new Promise<void>((res) => {
      const t = setInterval(() => {
        if (sent >= total && acked.size >= total) {
          clearInterval(t);
          res();
        }
      }, 50);
    });
    clearInterval(pump);

    // the receiver syncs from the last id it saw before the cut-over
    let after = '0';
    const synced: any[] = [];
    for (;;) {
      r.send({ type: 'sync', conversationId: conv, after, limit: 500 });
      const page = await r.waitFor((f) => f.type === 'sync_result' && !synced.includes(f));
      synced.push(page);
      for (const m of page.messages) received.set(m.messageId, received.get(m.messageId) ?? 1);
      if (!page.hasMore) break;
      after = page.messages.at(-1).messageId;
    }
    const expected = new Set(acked.values());
    expect(expected.size).toBe(total);
    const missing = [...expected].filter((id) => !received.has(id));
    expect(missing).toEqual([]);
    // the sync'd history holds each message exactly once
    const ids = synced.flatMap((p) => p.messages.map((m: any) => m.messageId));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(total);
    s.close();
    r.close();
  });
});

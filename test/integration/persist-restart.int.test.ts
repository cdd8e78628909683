import cassandra from 'cassandra-driver';
import { describe, expect, inject, it } from 'vitest';
import { startComponent, stopComponent } from '../../src/stack/index.js';
import { connect, scrapeMetric } from '../support/ws-client.js';
import { createConversation, endpoints, gateways, token, users } from './support.js';

describe('the persist worker survives a Cassandra restart', () => {
  it('messages acked while Cassandra is down are all stored once it is back, none twice, none skipped', async () => {
    const stateDir = inject('stateDir');
    const persistUrl = inject('services').find((s) => s.kind === 'persist-worker')!.url;
    const [g1] = gateways() as [string];
    const [a, b] = users('cass', 2) as [string, string];
    const conv = (await createConversation(g1, a, [a, b])).body.conversationId;
    const s = await connect(g1, token(a));
    const send = async (from: number, to: number) => {
      for (let i = from; i < to; i++) s.send({ type: 'send', clientMsgId: `k${i}`, conversationId: conv, body: `b${i}` });
      await s.waitForCount((f) => f.type === 'ack', to, 30_000);
    };
    await send(0, 40);
    await stopComponent(stateDir, 'cassandra');
    try {
      await send(40, 120); // acked: durable in Kafka, while storage is down
      await new Promise((r) => setTimeout(r, 1500));
      expect(await scrapeMetric(persistUrl, 'chatlab_persist_write_failures_total')).toBeGreaterThan(0);
    } finally {
      await startComponent(stateDir, 'cassandra');
    }
    const e = endpoints();
    const client = new cassandra.Client({ contactPoints: e.cassandra.contactPoints, localDataCenter: e.cassandra.localDataCenter });
    const day = 24 * 3600 * 1000;
    const buckets = [Math.floor(Date.now() / day) - 1, Math.floor(Date.now() / day)];
    let rows: cassandra.types.Row[] = [];
    for (let i = 0; i < 120 && rows.length < 120; i++) {
      try {
        rows = (await client.execute('SELECT client_msg_id FROM chatlab.messages WHERE conversation_id = ? AND bucket IN ?', [conv, buckets], { prepare: true })).rows;
      } catch {
        rows = [];
      }
      if (rows.length < 120) await new Promise((r) => setTimeout(r, 500));
    }
    await client.shutdown();
    s.close();
    const ids = rows.map((r) => String(r['client_msg_id']));
    expect(new Set(ids).size).toBe(120);
    expect(ids.length).toBe(120);
  });
});

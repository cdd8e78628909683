import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSnowflake } from '../../src/core/index.js';
import { MESSAGE_BUCKET_MS, createCassandraClient } from '../../src/store/index.js';
import { createConversation, endpoints, gateways, history, socketsPerTest, users } from './support.js';

const as = socketsPerTest();
const isMsg = (conv: string) => (f: any) => f.type === 'message' && f.conversationId === conv;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let cassandra: ReturnType<typeof createCassandraClient>;
beforeAll(async () => {
  cassandra = createCassandraClient({ ...endpoints().cassandra, keyspace: 'chatlab' });
  await cassandra.connect();
});
afterAll(async () => {
  await cassandra.shutdown();
});

async function storedBody(conv: string, messageId: string): Promise<string | undefined> {
  const bucket = Math.floor(parseSnowflake(messageId).timestampMs / MESSAGE_BUCKET_MS);
  const rs = await cassandra.execute('SELECT body FROM messages WHERE conversation_id = ? AND bucket = ? AND message_id = ?', [conv, bucket, messageId], { prepare: true });
  return rs.first()?.['body'] as string | undefined;
}

describe('dedupe is per sender and keeps the original', () => {
  it('another member reusing a clientMsgId sends a new message; a re-send never rewrites the stored body', async () => {
    const [g1, g2] = gateways() as [string, string];
    const [alice, bob, carol] = users('dd', 3) as [string, string, string];
    const conv = (await createConversation(g1, alice, [alice, bob, carol])).body.conversationId;
    const a = await as(alice, g1);
    const b = await as(bob, g2);
    const c = await as(carol, g2);

    a.send({ type: 'send', clientMsgId: 'x', conversationId: conv, body: 'original' });
    const first = await a.waitFor((f) => f.type === 'ack');
    b.send({ type: 'send', clientMsgId: 'x', conversationId: conv, body: 'from bob' });
    const second = await b.waitFor((f) => f.type === 'ack');
    expect(second.messageId).not.toBe(first.messageId);
    expect(await a.waitFor((f) => isMsg(conv)(f) && f.senderId === bob)).toMatchObject({ body: 'from bob', clientMsgId: 'x' });

    a.send({ type: 'send', clientMsgId: 'x', conversationId: conv, body: 'rewritten' });
    const again = await a.waitForCount((f) => f.type === 'ack', 2);
    expect(again[1].messageId).toBe(first.messageId);
    // the re-send is produced again: wait until the persist worker has written both messages
    for (let i = 0; i < 60 && (await storedBody(conv, second.messageId)) === undefined; i++) await sleep(500);
    await sleep(1500);
    expect(c.frames.filter(isMsg(conv)).map((m: any) => m.body)).toEqual(['original', 'from bob']);
    expect(await storedBody(conv, first.messageId)).toBe('original');
    expect(await storedBody(conv, second.messageId)).toBe('from bob');
    const h = await history(g1, carol, conv, '?after=0');
    expect(h.body.messages.map((m: any) => m.body)).toEqual(['original', 'from bob']);
  });
});

import cassandra from 'cassandra-driver';
import { z } from 'zod';
import { MetricNames, compareIds } from '../src/core/index.js';
import type { ScenarioDefinition } from '../src/scenario/index.js';
import { chunk, clientsFor, userIds } from './common.js';
import { receiptsFinding } from './findings/receipts.js';

const params = z.object({
  users: z.coerce.number().int().min(3).max(20_000).default(40),
  groupSize: z.coerce.number().int().min(3).default(5),
  ratePerSec: z.coerce.number().min(1).default(50),
  durationSec: z.coerce.number().min(1).default(8),
  receipts: z.enum(['write-back', 'write-through']).default('write-back'),
  workers: z.coerce.number().int().min(1).max(16).default(2),
});
type Params = z.infer<typeof params>;

/**
 * Every recipient reads every message it is shown (a `read` frame per message): write-back
 * (watermarks coalesce in Redis, a worker flushes them in batches) vs write-through (one
 * Cassandra write per read). Measures DB writes per read and how stale Cassandra is after.
 */
export const scenario: ScenarioDefinition<Params> = {
  name: 'read-receipts',
  description: 'Read receipts write-back vs write-through: DB writes per read and staleness.',
  params,
  defaultSets: { receipts: ['write-back', 'write-through'] },
  thresholds: ['lost == 0', 'watermarksCorrect == 1', 'peakConnections > 0', 'acked > 0', 'delivered > 0'],
  finding: receiptsFinding,
  paramDocs: { users: 'simulated users', groupSize: 'members per conversation', ratePerSec: 'messages per second', durationSec: 'how long messages flow', receipts: 'write-back: watermarks coalesce in Redis and flush in batches; write-through: each read writes Cassandra', workers: 'load worker processes' },
  measures: { reads: 'read frames accepted', dbWrites: 'watermark rows written to Cassandra', readsPerDbWrite: 'reads per Cassandra write', watermarksCorrect: '1 when every stored watermark is right', stalenessMs: 'time until a watermark is stored (ms)', receiptFramesReceived: 'receipt frames clients got' },
  serviceOptions: (p) => ({ gateway: { receipts: p.receipts } }),
  better: { readsPerDbWrite: 'higher', watermarksCorrect: 'higher', receiptFramesReceived: 'higher' },
  async run(ctx, p) {
    const users = userIds(ctx.prefix, p.users);
    const convs = await ctx.createConversations(chunk(users, p.groupSize));
    const pool = await ctx.startClients(clientsFor(users, convs), { workers: p.workers, autoRead: true });
    ctx.phase(`connect ${p.users} readers`);
    await pool.all({ type: 'connect', perSecond: 1000 });
    const reads0 = await ctx.scrape(MetricNames.receiptUpdates);
    const writes0 = await ctx.scrape(MetricNames.receiptDbWrites);
    ctx.phase(`${p.ratePerSec} msg/s, every recipient reads each (${p.receipts})`);
    await pool.all({ type: 'rate', perSecond: p.ratePerSec / p.workers });
    await ctx.sleep(p.durationSec * 1000);
    await ctx.quiesce(pool, 30_000);
    const readsDoneAt = Date.now();
    const { checker, collected } = await ctx.check(pool);
    // the watermark each reader must end with: the highest id it was shown per conversation
    const expected = new Map<string, string>();
    for (const d of collected.flatMap((w) => w.deliveries)) {
      if (d.raw) continue;
      const key = `${d.c}\u0000${d.r}`;
      const cur = expected.get(key);
      if (!cur || compareIds(d.id, cur) > 0) expected.set(key, d.id);
    }
    const client = new cassandra.Client({ contactPoints: ctx.endpoints.cassandra.contactPoints, localDataCenter: ctx.endpoints.cassandra.localDataCenter });
    let correct = 0;
    let stalenessMs = -1;
    try {
      while (Date.now() - readsDoneAt < 15_000) {
        correct = 0;
        for (const c of convs) {
          const rs = await client.execute('SELECT user_id, message_id FROM chatlab.read_watermarks WHERE conversation_id = ?', [c.conversationId], { prepare: true });
          for (const row of rs.rows) if (expected.get(`${c.conversationId}\u0000${row['user_id']}`) === String(row['message_id'])) correct++;
        }
        if (correct >= expected.size) {
          stalenessMs = Date.now() - readsDoneAt;
          break;
        }
        await ctx.sleep(100);
      }
    } finally {
      await client.shutdown();
    }
    const reads = (await ctx.scrape(MetricNames.receiptUpdates)) - reads0;
    const writes = (await ctx.scrape(MetricNames.receiptDbWrites)) - writes0;
    ctx.phase(`${reads} reads → ${writes} Cassandra writes; ${correct}/${expected.size} watermarks right`);
    return {
      checker,
      measures: {
        reads,
        dbWrites: writes,
        readsPerDbWrite: writes > 0 ? Math.round((reads / writes) * 10) / 10 : 0,
        watermarksCorrect: correct >= expected.size ? 1 : 0,
        stalenessMs: stalenessMs >= 0 ? stalenessMs : 15_000,
        receiptFramesReceived: pool.seconds.reduce((s, x) => s + x.totals.receipts, 0),
      },
    };
  },
};

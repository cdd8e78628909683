import { describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { MetricNames, sumMetricText } from '../../src/core/index.js';
import { STORAGE_READS_MAX, STORAGE_READS_WAITING, startGateway } from '../../src/gateway/index.js';
import { pauseComponent, resumeComponent } from '../../src/stack/index.js';
import { redisKeys } from '../../src/store/index.js';
import { connect } from '../support/ws-client.js';
import { createConversation, endpoints, gatewayConfig, token, users } from './support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The per-gateway bound on history pages read from Cassandra at once, forced: Cassandra is paused
 * (SIGSTOP) while more reads than the bound and its queue arrive at one gateway, so every read
 * started stays in flight. The count is taken where the pages are read (MessageStore), not from
 * the bound itself: without the bound it climbs past 16.
 */
describe('a sync storm against paused storage', () => {
  it(`reads at most ${STORAGE_READS_MAX} pages from Cassandra at once, queues ${STORAGE_READS_WAITING}, refuses the next with unavailable, and serves them all once storage is back`, async () => {
    // an in-process gateway: its counts start at zero, and one user may ask thousands of times
    const gw = await startGateway(gatewayConfig('gwreads', { httpRatePerSec: 100_000, httpRateBurst: 100_000 }));
    const url = `http://127.0.0.1:${gw.port}`;
    const stateDir = inject('stateDir');
    let paused = false;
    try {
      const [a, b, c] = users('reads', 3) as [string, string, string];
      const conv = (await createConversation(url, a, [a, b, c])).body.conversationId as string;
      // no message yet, so no recent:<conv> stream; and not `fresh` (as when the conversation was
      // reloaded from Cassandra after a Redis loss), so every page is read from Cassandra
      const admin = new Redis(endpoints().redis.url);
      await admin.hdel(redisKeys('').meta(conv), 'fresh');
      await admin.quit();
      const page = (after = '0') => fetch(`${url}/v1/conversations/${conv}/messages?after=${after}`, { headers: { authorization: `Bearer ${token(a)}` } });
      expect((await page()).status).toBe(200); // the statement is prepared before the pause
      const socket = await connect(url, token(b));
      const reads = async () => {
        const text = await (await fetch(`${url}/metrics`)).text();
        const state = (s: string) => sumMetricText(text, MetricNames.storageReads, { state: s });
        return { active: state('active'), waiting: state('waiting'), peak: state('peak'), total: sumMetricText(text, `${MetricNames.storageReads}_total`) };
      };

      pauseComponent(stateDir, 'cassandra');
      paused = true;
      const storm = Array.from({ length: STORAGE_READS_MAX + STORAGE_READS_WAITING }, () => page().then((r) => r.status, () => -1));
      // until the queue is full (or, without a bound, until every read is in flight at Cassandra);
      // the driver gives a read 12 s, so Cassandra is resumed well before that
      let now = await reads();
      for (const deadline = Date.now() + 8000; Date.now() < deadline && now.active + now.waiting < storm.length; now = await reads()) await sleep(100);
      expect(now.peak).toBeLessThanOrEqual(STORAGE_READS_MAX);
      expect(now).toMatchObject({ active: STORAGE_READS_MAX, waiting: STORAGE_READS_WAITING });

      // one more: over HTTP, and a sync on a socket, both refused at once with their stable codes
      const refused = await page();
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('CHATLAB_E_UNAVAILABLE');
      socket.send({ type: 'sync', conversationId: conv, after: '0' });
      const answer = await socket.waitFor((f) => f.type === 'error' || f.type === 'sync_result', 3000, 'the sync refused');
      expect(answer).toMatchObject({ type: 'error', code: 'unavailable', conversationId: conv });

      resumeComponent(stateDir, 'cassandra');
      paused = false;
      const statuses = await Promise.all(storm);
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      const after = await reads();
      expect(after).toMatchObject({ active: 0, waiting: 0, peak: STORAGE_READS_MAX });
      expect(after.total).toBeGreaterThanOrEqual(1 + storm.length);
      // the socket's next sync is served
      socket.send({ type: 'sync', conversationId: conv, after: '0' });
      await socket.waitFor((f) => f.type === 'sync_result' && f.conversationId === conv, 10_000, 'a sync page');
      socket.close();
    } finally {
      if (paused) resumeComponent(stateDir, 'cassandra');
      await gw.shutdown();
    }
  }, 90_000);
});

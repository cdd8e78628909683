import { Kafka, MESSAGES_INDEX, TOPICS, logLevel, searchRequest } from '../../src/store/index.js';
import { electedAt, type PartitionSample } from './measure.js';

/**
 * What broker-loss reads from the cluster: chat.messages' leader and in-sync replicas from the
 * metadata (kafkajs admin, as a client sees them), and which acked ids the search index holds.
 * kafkajs speaks the Metadata API only, so the eligible leader replicas (DescribeTopicPartitions)
 * are not read here.
 */

/** One metadata read of chat.messages[0], through these brokers only (a fresh admin: no cached connection to a dead one). */
export async function samplePartition(brokers: string[]): Promise<PartitionSample> {
  const admin = new Kafka({ clientId: 'chatlab-broker-loss', brokers, logLevel: logLevel.NOTHING, connectionTimeout: 1000, requestTimeout: 2000, retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
    const meta = await admin.fetchTopicMetadata({ topics: [TOPICS.messages] });
    const p = meta.topics[0]?.partitions.find((x) => x.partitionId === 0);
    return { at: Date.now(), leader: p?.leader ?? -1, isr: p?.isr ?? [] };
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls the metadata every `everyMs` until a broker other than `killed` leads (electedAt), or
 * `timeoutMs`; every sample is kept (a read that fails, while the brokers elect, is a sample
 * with no leader).
 */
export async function watchElection(brokers: string[], killed: number, timeoutMs: number, everyMs = 100): Promise<PartitionSample[]> {
  const samples: PartitionSample[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    samples.push(await samplePartition(brokers).catch((): PartitionSample => ({ at: Date.now(), leader: -1, isr: [] })));
    if (electedAt(samples, killed)) break;
    await sleep(everyMs);
  }
  return samples;
}

/** Waits until every replica of chat.messages is in sync again (a restarted broker caught up); the last sample either way. */
export async function waitFullIsr(brokers: string[], replicas: number, timeoutMs: number): Promise<PartitionSample> {
  const deadline = Date.now() + timeoutMs;
  let last: PartitionSample = { at: Date.now(), leader: -1, isr: [] };
  while (Date.now() < deadline) {
    last = await samplePartition(brokers).catch(() => last);
    if (last.leader >= 0 && last.isr.length >= replicas) return last;
    await sleep(500);
  }
  return last;
}

/** The consumer groups that carry chat.messages into the stores (the persist worker's and the indexer's). */
export const STORE_GROUPS = ['chatlab-persist', 'chatlab-indexer'];

/**
 * Waits until every group has committed chat.messages up to its end: what the stores lack after
 * that was never in the log (lost), not merely late (a worker in its restart backoff after the
 * broker's death). Returns the groups still behind at the deadline (empty: all caught up).
 */
export async function waitGroupsCaughtUp(brokers: string[], groups: readonly string[], timeoutMs: number): Promise<string[]> {
  const admin = new Kafka({ clientId: 'chatlab-broker-loss', brokers, logLevel: logLevel.NOTHING, retry: { retries: 2 } }).admin();
  const deadline = Date.now() + timeoutMs;
  let behind = [...groups];
  try {
    await admin.connect();
    while (behind.length > 0 && Date.now() < deadline) {
      try {
        const ends = new Map((await admin.fetchTopicOffsets(TOPICS.messages)).map((o) => [o.partition, Number(o.high)]));
        const still: string[] = [];
        for (const groupId of behind) {
          const [topic] = await admin.fetchOffsets({ groupId, topics: [TOPICS.messages] });
          const done = [...ends].every(([partition, high]) => Number(topic?.partitions.find((x) => x.partition === partition)?.offset ?? -1) >= high);
          if (!done) still.push(groupId);
        }
        behind = still;
      } catch {
        // a coordinator still loading or moving: asked again
      }
      if (behind.length > 0) await sleep(1000);
    }
  } finally {
    await admin.disconnect().catch(() => {});
  }
  return behind;
}

/** Which of these ids the messages index holds (`_mget` by document id, which is the message id). */
export async function indexedIds(searchUrl: string, ids: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  await searchRequest(searchUrl, 'POST', `/${MESSAGES_INDEX}/_refresh`, { timeoutMs: 30_000 });
  for (let i = 0; i < ids.length; i += 500) {
    const res = await searchRequest<{ docs?: Array<{ _id: string; found?: boolean }> }>(searchUrl, 'POST', `/${MESSAGES_INDEX}/_mget`, { body: { ids: ids.slice(i, i + 500) }, timeoutMs: 30_000 });
    if (res.status !== 200) throw new Error(`POST /${MESSAGES_INDEX}/_mget answered ${res.status}: ${JSON.stringify(res.body).slice(0, 200)}`);
    for (const d of res.body.docs ?? []) if (d.found) found.add(d._id);
  }
  return found;
}

/**
 * The index's holdings of `acked`, once it has caught up: asked again every second until it holds
 * every one of `expected` (what Cassandra got from the same topic), or `timeoutMs`.
 */
export async function indexedOnceSettled(searchUrl: string, acked: readonly string[], expected: ReadonlySet<string>, timeoutMs: number): Promise<Set<string>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await indexedIds(searchUrl, acked);
    if ([...expected].every((id) => found.has(id)) || Date.now() > deadline) return found;
    await sleep(1000);
  }
}

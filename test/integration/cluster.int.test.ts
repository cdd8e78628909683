import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionTable, providerFactory } from '../../src/infra/index.js';
import { collectStatus, isolateNode, healNode, killNode, readState, restartNode, startStack, strayProcesses, type RunningStack } from '../../src/stack/index.js';
import { signToken } from '../../src/core/index.js';
import { bucketOfId } from '../../src/store/index.js';
import { connect } from '../support/ws-client.js';

/**
 * A three-node cluster of its own (Cassandra on 127.0.31.2-4, Kafka on .5-7, its own state dir),
 * beside the single-node stack the tier's global setup runs: node loss, a real partition, and
 * the consistency levels the cluster's replication makes meaningful. About 3 minutes, ~5 GB.
 */
const NET = '127.0.31';
let stack: RunningStack;
let stateDir: string;

function nftTables(): string {
  return execFileSync('nft', ['list', 'tables'], { encoding: 'utf8' });
}

/** A write of one row at `level`, through every node the driver can reach. */
async function writeAt(level: number, id: string): Promise<void> {
  const e = stack.infra.endpoints.cassandra;
  const client = new cassandra.Client({ contactPoints: e.contactPoints, localDataCenter: e.localDataCenter, socketOptions: { readTimeout: 8000 } });
  try {
    await client.execute('INSERT INTO chatlab.read_watermarks (conversation_id, user_id, message_id, updated_at) VALUES (?, ?, ?, ?)', [id, 'u', cassandra.types.Long.fromNumber(1), new Date()], { prepare: true, consistency: level });
  } finally {
    await client.shutdown();
  }
}

const { quorum, all } = cassandra.types.consistencies;

/** Polls until a write at ALL succeeds (every node up and seen up by the others), at most 40 s. */
async function allWritable(id: string): Promise<boolean> {
  for (let i = 0; i < 40; i++) {
    if (await writeAt(all, id).then(() => true, () => false)) return true;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return false;
}

describe('the cluster topology on the native provider', () => {
  beforeAll(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chatlab-cluster-it-'));
    stack = await startStack({
      stateDir,
      infra: 'native',
      factory: providerFactory({}, { ...process.env, CHATLAB_CLUSTER_NET: NET }),
      detached: false,
      topology: 'cluster',
      services: { gateways: 1, skip: ['presence', 'receipts-worker', 'indexer'] },
    });
  });

  afterAll(async () => {
    await stack?.stop();
    // `down` leaves nothing: no process of this state dir, no nftables table
    expect(strayProcesses(stateDir)).toEqual([]);
    expect(nftTables()).not.toContain(partitionTable(stateDir));
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('lists three Cassandra nodes and three brokers, each on its own address, all healthy; services at QUORUM and acks all', async () => {
    const s = (await collectStatus(stateDir))!;
    expect(s.topology).toBe('cluster');
    expect(s.infra.cassandra.nodes).toEqual([2, 3, 4].map((h, i) => ({ id: `cassandra-${i + 1}`, address: `${NET}.${h}`, healthy: true })));
    expect(s.infra.kafka.nodes).toEqual([5, 6, 7].map((h, i) => ({ id: `kafka-${i + 1}`, address: `${NET}.${h}`, healthy: true })));
    expect(s.services.find((x) => x.kind === 'gateway')!.options).toMatchObject({ readConsistency: 'QUORUM', writeConsistency: 'QUORUM', kafkaAcks: 'all' });
    expect(s.services.find((x) => x.kind === 'persist-worker')!.options).toMatchObject({ writeConsistency: 'QUORUM' });
  });

  it('a delete acknowledged on the cluster (tombstone at QUORUM) is not returned by a read at ALL', async () => {
    const gw = (await collectStatus(stateDir))!.services.find((x) => x.kind === 'gateway')!.url;
    const auth = { authorization: `Bearer ${signToken('del-a', readState(stateDir)!.secret)}` };
    const conv = ((await (await fetch(`${gw}/v1/conversations`, { method: 'POST', headers: auth, body: JSON.stringify({ members: ['del-a', 'del-b'] }) })).json()) as { conversationId: string }).conversationId;
    const s = await connect(gw, signToken('del-a', readState(stateDir)!.secret));
    s.send({ type: 'send', clientMsgId: 'k', conversationId: conv, body: 'to be deleted' });
    const id = (await s.waitFor((f) => f.type === 'ack')).messageId as string;
    s.close();
    const e = stack.infra.endpoints.cassandra;
    const client = new cassandra.Client({ contactPoints: e.contactPoints, localDataCenter: e.localDataCenter, socketOptions: { readTimeout: 8000 } });
    const key = [conv, bucketOfId(id), cassandra.types.Long.fromString(id)];
    const rowsAtAll = async () => (await client.execute('SELECT message_id FROM chatlab.messages WHERE conversation_id = ? AND bucket = ? AND message_id = ?', key, { prepare: true, consistency: all })).rowLength;
    try {
      // stored on every replica first, so the read below proves the tombstone, not a lagging insert
      for (let i = 0; i < 100 && (await rowsAtAll()) === 0; i++) await new Promise((r) => setTimeout(r, 200));
      expect(await rowsAtAll()).toBe(1);
      const res = await fetch(`${gw}/v1/conversations/${conv}/messages/${id}`, { method: 'DELETE', headers: auth });
      expect(res.status).toBe(200);
      expect(await rowsAtAll()).toBe(0);
    } finally {
      await client.shutdown();
    }
  });

  it('a node killed: QUORUM still writes, ALL is refused; restarted, it answers and ALL writes again', async () => {
    await killNode(stateDir, 'cassandra-3');
    try {
      const s = (await collectStatus(stateDir))!;
      expect(s.infra.cassandra.nodes!.map((n) => n.healthy)).toEqual([true, true, false]);
      await writeAt(quorum, 'kill-quorum');
      // refused: Unavailable once the coordinator has marked the node down, a write timeout before
      await expect(writeAt(all, 'kill-all')).rejects.toThrow(/Not enough replicas|Cannot achieve consistency|timeout during write/i);
    } finally {
      await restartNode(stateDir, 'cassandra-3');
    }
    expect((await collectStatus(stateDir))!.infra.cassandra.nodes!.every((n) => n.healthy)).toBe(true);
    // the others mark it up again within gossip's rhythm
    expect(await allWritable('kill-back')).toBe(true);
  });

  it('a node isolated: cut off from peers and clients alone (the brokers stay), ALL refused; healed, no rule is left', async () => {
    expect(await allWritable('iso-before')).toBe(true);
    await isolateNode(stateDir, 'cassandra-2');
    try {
      expect(nftTables()).toContain(partitionTable(stateDir));
      const s = (await collectStatus(stateDir))!;
      expect(s.infra.cassandra.nodes!.map((n) => n.healthy)).toEqual([true, false, true]);
      expect(s.infra.kafka.nodes!.every((n) => n.healthy)).toBe(true);
      await writeAt(quorum, 'iso-quorum');
      await expect(writeAt(all, 'iso-all')).rejects.toThrow();
    } finally {
      await healNode(stateDir, 'cassandra-2');
    }
    expect(nftTables()).not.toContain(partitionTable(stateDir));
    let ok = false;
    for (let i = 0; i < 40 && !ok; i++) {
      ok = (await collectStatus(stateDir))!.infra.cassandra.nodes!.every((n) => n.healthy) && (await writeAt(all, 'iso-back').then(() => true, () => false));
      if (!ok) await new Promise((r) => setTimeout(r, 1000));
    }
    expect(ok).toBe(true);
  });
});

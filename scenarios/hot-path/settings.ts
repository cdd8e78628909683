import { z } from 'zod';
import { bool } from '../common.js';

/**
 * Each router tuned as its own users tune it for latency, so the comparison is fair to each. The
 * defaults are the tuned values; `--set` any of them to the clients' stock values to see what
 * the tuning buys (stock kafkajs: kafkaAcks=-1, kafkaLingerMs=-1 (one request per record, no batching), kafkaFetchWaitMs=5000 (kafkajs), kafkaMinBytes=1,
 * kafkaPartitionsConcurrently=1, kafkaEachBatch=false, kafkaCommitEveryMs=0 (after every batch);
 * streamsBlockMs=500, streamsCount=0 (no limit)).
 */
export const routerSettings = {
  kafkaAcks: z.enum(['-1', '0', '1']).default('1'),
  kafkaLingerMs: z.coerce.number().int().min(-1).max(1000).default(0),
  kafkaFetchWaitMs: z.coerce.number().int().min(0).max(10_000).default(100),
  kafkaMinBytes: z.coerce.number().int().min(1).default(1),
  kafkaPartitionsConcurrently: z.coerce.number().int().min(1).max(64).default(16),
  kafkaEachBatch: bool.default(true),
  kafkaCommitEveryMs: z.coerce.number().int().min(0).default(1000),
  streamsBlockMs: z.coerce.number().int().min(1).max(60_000).default(100),
  streamsCount: z.coerce.number().int().min(0).default(100),
};

export const routerSettingsDocs: Record<keyof typeof routerSettings, string> = {
  kafkaAcks: 'Kafka producer acks (-1 all in-sync replicas, 1 the leader, 0 none)',
  kafkaLingerMs: 'Kafka producer linger (ms); as in the Java client, records published while a request is in flight go together in the next one; -1 = one request per record (kafkajs send as is)',
  kafkaFetchWaitMs: 'Kafka consumer fetch wait (maxWaitTimeInMs): how long the broker holds a fetch with less than minBytes',
  kafkaMinBytes: 'Kafka consumer fetch minBytes',
  kafkaPartitionsConcurrently: 'Kafka consumer partitionsConsumedConcurrently',
  kafkaEachBatch: 'Kafka consumer handles a fetched batch at once (eachBatch) instead of message by message',
  kafkaCommitEveryMs: 'Kafka consumer commits offsets every N ms (0 = after every batch, kafkajs\'s default)',
  streamsBlockMs: 'Redis Streams XREADGROUP BLOCK (ms)',
  streamsCount: 'Redis Streams XREADGROUP COUNT (0 = no limit)',
};

export interface RouterSettings {
  kafkaAcks: '-1' | '0' | '1';
  kafkaLingerMs: number;
  kafkaFetchWaitMs: number;
  kafkaMinBytes: number;
  kafkaPartitionsConcurrently: number;
  kafkaEachBatch: boolean;
  kafkaCommitEveryMs: number;
  streamsBlockMs: number;
  streamsCount: number;
}

/** The settings a router ran with, as one line for the report. */
export function settingsLine(router: string, s: RouterSettings, partitions: number): string {
  if (router === 'kafka') {
    return `kafka settings: acks=${s.kafkaAcks} ${s.kafkaLingerMs < 0 ? 'one produce request per record' : `linger=${s.kafkaLingerMs}ms, batching behind the request in flight`} fetch maxWait=${s.kafkaFetchWaitMs}ms minBytes=${s.kafkaMinBytes} partitionsConsumedConcurrently=${Math.min(s.kafkaPartitionsConcurrently, partitions)}/${partitions} ${s.kafkaEachBatch ? 'eachBatch' : 'eachMessage'} commit=${s.kafkaCommitEveryMs > 0 ? `every ${s.kafkaCommitEveryMs}ms` : 'after every batch'}`;
  }
  if (router === 'streams') return `streams settings: XREADGROUP BLOCK ${s.streamsBlockMs} COUNT ${s.streamsCount || 'unlimited'}, XACK per batch (pipelined)`;
  return 'pubsub settings: SUBSCRIBE, pushed by Redis as published (nothing to tune)';
}

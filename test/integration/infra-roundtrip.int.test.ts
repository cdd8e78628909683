import { describe, it } from 'vitest';
import { cassandraRoundTrip, kafkaRoundTrip, redisRoundTrip, searchRoundTrip, stackSchemaExists } from '../support/roundtrips.js';
import { endpoints } from './support.js';

describe('the stack chatlab up starts answers real round trips', () => {
  it('Redis: a message PUBLISHed on a channel reaches a SUBSCRIBEr', () => redisRoundTrip(endpoints()));
  it('Kafka: records produced to a topic are consumed, in order, by a consumer group', () => kafkaRoundTrip(endpoints()));
  it('Cassandra: CQL creates a keyspace and table, inserts and selects a row', () => cassandraRoundTrip(endpoints()));
  it('Search: a document indexed is found by a query on its text', () => searchRoundTrip(endpoints()));
  it('the keyspace and topics the stack needs exist', () => stackSchemaExists(endpoints()));
});

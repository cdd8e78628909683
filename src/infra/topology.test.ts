import { describe, expect, it } from 'vitest';
import { clusterAddresses, evenTokens, parseTopology } from './topology.js';
import { kafkaServerProperties } from './native/kafka-config.js';
import { cassandraJvmArgs, cassandraYaml } from './native/cassandra-config.js';
import { keyspaceDdl } from '../store/index.js';

describe('cluster topology', () => {
  it('gives every node of either store its own loopback address', () => {
    const all = [...clusterAddresses('cassandra'), ...clusterAddresses('kafka')];
    expect(all).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7']);
    expect(clusterAddresses('kafka', '127.0.25')).toEqual(['127.0.25.5', '127.0.25.6', '127.0.25.7']);
    expect(() => clusterAddresses('cassandra', '10.0.0')).toThrow(/inside 127\/8/);
  });

  it('spaces the tokens evenly over the whole Murmur3 ring', () => {
    const tokens = evenTokens(3).map(BigInt);
    expect(tokens[0]).toBe(-(2n ** 63n));
    const gaps = [tokens[1]! - tokens[0]!, tokens[2]! - tokens[1]!, 2n ** 63n - 1n - tokens[2]! + 1n];
    for (const g of gaps) expect(g - 2n ** 64n / 3n).toBeLessThanOrEqual(1n);
  });

  it('refuses an unknown topology with the choices', () => {
    expect(parseTopology(undefined)).toBe('single');
    expect(() => parseTopology('ring')).toThrow(/single, cluster/);
  });
});

describe('node configuration', () => {
  const voters = [1, 2, 3].map((nodeId) => ({ nodeId, address: `127.0.0.${nodeId + 4}`, brokerPort: 9092, controllerPort: 9093 }));

  it('a broker of three: its own address, all voters, replication 3, min ISR 2, no unclean election', () => {
    const props = kafkaServerProperties({ brokerPort: 9092, controllerPort: 9093, logDir: '/d' }, { self: voters[1]!, voters });
    expect(props).toContain('node.id=2');
    expect(props).toContain('controller.quorum.voters=1@127.0.0.5:9093,2@127.0.0.6:9093,3@127.0.0.7:9093');
    expect(props).toContain('listeners=PLAINTEXT://127.0.0.6:9092,CONTROLLER://127.0.0.6:9093');
    for (const line of ['default.replication.factor=3', 'min.insync.replicas=2', 'unclean.leader.election.enable=false', 'offsets.topic.replication.factor=3', 'transaction.state.log.min.isr=2']) {
      expect(props).toContain(line);
    }
  });

  it('the single broker stays as it was: replication 1 on 127.0.0.1, no cluster keys', () => {
    const props = kafkaServerProperties({ brokerPort: 9092, controllerPort: 9093, logDir: '/d' });
    expect(props).toContain('controller.quorum.voters=1@127.0.0.1:9093');
    expect(props).toContain('offsets.topic.replication.factor=1');
    expect(props).not.toContain('min.insync.replicas=');
    expect(props).not.toContain('default.replication.factor');
  });

  it('a Cassandra node of three: own address, all seeds, its token, no bootstrap; the single node keeps token 0 on 127.0.0.1', () => {
    const ports = { native: 9042, storage: 7000, jmx: 7199 };
    const yaml = cassandraYaml('/d', ports, { listen: '127.0.0.3', rpc: '127.0.0.3' }, { address: '127.0.0.3', seeds: ['127.0.0.2:7000', '127.0.0.3:7000', '127.0.0.4:7000'], initialToken: '-3' });
    expect(yaml).toMatch(/listen_address: 127\.0\.0\.3\nrpc_address: 127\.0\.0\.3/);
    expect(yaml).toContain('seeds: "127.0.0.2:7000,127.0.0.3:7000,127.0.0.4:7000"');
    expect(yaml).toContain('initial_token: -3\nauto_bootstrap: false');
    const single = cassandraYaml('/d', ports);
    expect(single).toContain('listen_address: 127.0.0.1');
    expect(single).not.toContain('auto_bootstrap');
    const jvm = (clustered: boolean) => cassandraJvmArgs({ dir: '/d', jarDir: '/j', jammJar: '/j/jamm.jar', heap: '512m', jmxPort: 7199, clustered });
    expect(jvm(false)).toContain('-Dcassandra.initial_token=0');
    expect(jvm(true)).not.toContain('-Dcassandra.initial_token=0');
    expect(jvm(true)).toContain('-Dcassandra.ring_delay_ms=1000');
    // a killed node of three must find its schema again: the system keyspaces keep their commit log
    expect(jvm(false)).toContain('-Dcassandra.unsafesystem=true');
    expect(jvm(true)).not.toContain('-Dcassandra.unsafesystem=true');
  });

  it('the keyspace: three replicas in the data centre on a cluster, one otherwise', () => {
    expect(keyspaceDdl('ks', { dataCenter: 'datacenter1', replicas: 3 })).toContain(`{'class': 'NetworkTopologyStrategy', 'datacenter1': 3}`);
    expect(keyspaceDdl('ks')).toContain(`'replication_factor': 1`);
  });
});

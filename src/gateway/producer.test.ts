import { describe, expect, it } from 'vitest';
import { BatchingProducer, isTooLarge, sendSplitting, takeBatch } from './producer.js';

const tooLarge = () => Object.assign(new Error('The request included a message larger than the max message size the server will accept'), { type: 'MESSAGE_TOO_LARGE' });

describe('Kafka batches', () => {
  it('a batch is capped by bytes as well as by count, and always takes at least one', () => {
    const q = [{ bytes: 400 }, { bytes: 400 }, { bytes: 400 }, { bytes: 5000 }];
    expect(takeBatch([...q], 10, 1000)).toHaveLength(2);
    expect(takeBatch([...q], 1, 1000)).toHaveLength(1);
    expect(takeBatch([{ bytes: 5000 }, { bytes: 1 }], 10, 1000)).toHaveLength(1);
  });

  it('MESSAGE_TOO_LARGE splits the batch in order until the parts fit', async () => {
    const sent: string[][] = [];
    const send = async (ms: Array<{ key: string; value: string }>) => {
      if (ms.length > 2) throw tooLarge();
      sent.push(ms.map((m) => m.value));
    };
    const batch = ['a', 'b', 'c', 'd', 'e'].map((v) => ({ key: 'k', value: v }));
    expect(await sendSplitting(batch, send)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(sent.flat()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('a message too large on its own fails alone; other errors fail the batch', async () => {
    const send = async (ms: Array<{ key: string; value: string }>) => {
      if (ms.some((m) => m.value === 'huge')) throw tooLarge();
    };
    const errors = await sendSplitting([{ key: 'k', value: 'a' }, { key: 'k', value: 'huge' }, { key: 'k', value: 'c' }], send);
    expect(errors.map((e) => e !== undefined)).toEqual([false, true, false]);
    expect(isTooLarge(errors[1])).toBe(true);
    const down = await sendSplitting([{ key: 'k', value: 'a' }, { key: 'k', value: 'b' }], async () => { throw new Error('broker down'); });
    expect(down.map((e) => e?.message)).toEqual(['broker down', 'broker down']);
  });

  it('the queue is bounded: `full` once maxQueued messages wait, free again once Kafka has them', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const p = new BatchingProducer(['127.0.0.1:1'], 't', 500, () => {}, 'test', { maxQueued: 3 }, () => gate);
    const sends = [p.send('k', 'a'), p.send('k', 'b')];
    expect(p.full).toBe(false);
    sends.push(p.send('k', 'c'));
    expect(p.full).toBe(true);
    release();
    await Promise.all(sends);
    expect(p.full).toBe(false);
    expect(p.healthy()).toBe(true);
  });

  it('health is red after a failed batch and while a request is stuck', async () => {
    const p = new BatchingProducer(['127.0.0.1:1'], 't', 500, () => {}, 'test', {}, async () => { throw new Error('down'); });
    await expect(p.send('k', 'a')).rejects.toThrow('down');
    expect(p.healthy()).toBe(false);
    const stuck = new BatchingProducer(['127.0.0.1:1'], 't', 500, () => {}, 'test', {}, () => new Promise(() => {}));
    void stuck.send('k', 'a');
    expect(stuck.healthy(Date.now() + 60_000)).toBe(false);
  });
  it('after a failed request an idempotent producer sends again only under a new producer id', async () => {
    const calls: string[] = [];
    let fail = 1;
    const send = async (m: Array<{ value: string | Buffer | null }>) => {
      calls.push(`send ${m.map((x) => String(x.value)).join(',')}`);
      if (fail-- > 0) throw new Error('Connection error: the leader died');
    };
    const renewFails = [new Error('Kafka unreachable')];
    const renew = async () => {
      calls.push('renew');
      const e = renewFails.shift();
      if (e) throw e;
    };
    const p = new BatchingProducer(['127.0.0.1:1'], 't', 500, () => {}, 'test', { acks: 'all' }, send, renew);
    await expect(p.send('k', 'a')).rejects.toThrow('the leader died');
    // its sequence numbers may be in a replica's log: the next batch waits for a fresh id, and fails without one
    await expect(p.send('k', 'b')).rejects.toThrow('Kafka unreachable');
    await p.send('k', 'c');
    await p.send('k', 'd');
    expect(calls).toEqual(['send a', 'renew', 'renew', 'send c', 'send d']);
  });

  it('acks=1 (no producer id, nothing to renew) and a batch the broker found too large keep the producer', async () => {
    const calls: string[] = [];
    let fail = 1;
    const renew = async () => void calls.push('renew');
    const down = new BatchingProducer(['127.0.0.1:1'], 't', 500, () => {}, 'test', { acks: '1' }, async () => {
      calls.push('send');
      if (fail-- > 0) throw new Error('down');
    }, renew);
    await expect(down.send('k', 'a')).rejects.toThrow('down');
    await down.send('k', 'b');
    const tooLarge = Object.assign(new Error('too large'), { type: 'MESSAGE_TOO_LARGE' });
    let big = 1;
    const idem = new BatchingProducer(['127.0.0.1:1'], 't', 500, () => {}, 'test', { acks: 'all' }, async () => {
      calls.push('send');
      if (big-- > 0) throw tooLarge;
    }, renew);
    await expect(idem.send('k', 'x')).rejects.toThrow('too large');
    await idem.send('k', 'y');
    expect(calls).toEqual(['send', 'send', 'send', 'send']);
  });
});

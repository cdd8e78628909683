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
});

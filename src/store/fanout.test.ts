import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { parseServerFrame, type Message } from '../core/index.js';
import {
  conversationChannels,
  decodeRouted,
  decodeRoutedBuffer,
  encodeControl,
  encodeRouted,
  encodeServiceFrame,
  isEcho,
  publishBatched,
  publishMessage,
  usesGroupChannel,
  type RoutedPayload,
} from './fanout.js';
import { redisKeys } from './keys.js';
import { RECENT_MAXLEN } from './recent.js';

const keys = redisKeys('t:');
const frameJson = '{"type":"presence","userId":"u1","status":"online","at":5}';

function frame(payload: string): Extract<RoutedPayload, { kind: 'frame' }> {
  const routed = decodeRouted(payload);
  if (routed?.kind !== 'frame') throw new Error(`not a frame: ${payload}`);
  return routed;
}

describe('routed payloads', () => {
  it('round-trips origin, sentAt and the frame untouched', () => {
    expect(decodeRouted(encodeRouted('gw-1:7', frameJson, 1_750_000_000_123))).toEqual({
      kind: 'frame',
      origin: 'gw-1:7',
      sentAt: 1_750_000_000_123,
      frameJson,
    });
  });

  it('keeps frames whose body holds newlines and spaces', () => {
    const body = '{"type":"message","body":"two\\nlines and\nraw"}';
    expect(frame(encodeRouted('gw:1', body, 9)).frameJson).toBe(body);
  });

  it('keeps an origin that contains the field separator', () => {
    expect(frame(encodeRouted('gate way:3', frameJson, 4))).toMatchObject({ origin: 'gate way:3', sentAt: 4 });
  });

  it('service frames carry no send time, so they never count as delivery latency', () => {
    expect(frame(encodeServiceFrame('presence', frameJson))).toEqual({ kind: 'frame', origin: 'presence', sentAt: 0, frameJson });
    expect(frame(encodeServiceFrame('receipts', frameJson)).sentAt).toBe(0);
  });

  it('control messages decode as control, never as a frame for a socket', () => {
    const control = { op: 'joined' as const, conversationId: 'c1', size: 250 };
    expect(decodeRouted(encodeControl(control))).toEqual({ kind: 'control', control });
  });

  it('drops what is not a routed payload', () => {
    expect(decodeRouted('hello')).toBeUndefined();
    expect(decodeRouted('noheaderfields\n{}')).toBeUndefined();
    expect(decodeRouted(encodeControl({ op: 'joined', conversationId: 'c', size: 1 }).replace(/\{.*$/s, '{oops'))).toBeUndefined();
  });

  it('an unreadable sentAt is no send time, not NaN', () => {
    expect(frame('gw:1 soon\n{}').sentAt).toBe(0);
  });

  it('the sending socket is the only one skipped', () => {
    const routed = frame(encodeRouted('gw-1:7', frameJson, 1));
    expect(isEcho(routed, 'gw-1:7')).toBe(true);
    expect(isEcho(routed, 'gw-1:8')).toBe(false);
    expect(isEcho(routed, 'gw-2:7')).toBe(false);
    // socket ids are `<gateway>:<n>`, so a service origin matches none
    expect(isEcho(frame(encodeServiceFrame('presence', frameJson)), 'presence:1')).toBe(false);
  });
});

describe('routed payloads as bytes (the gateway subscriber)', () => {
  const asBytes = (payload: string) => {
    const r = decodeRoutedBuffer(Buffer.from(payload));
    return r?.kind === 'frame' ? { ...r, frame: r.frame.toString() } : r;
  };
  const asString = (payload: string) => {
    const r = decodeRouted(payload);
    return r?.kind === 'frame' ? { kind: r.kind, origin: r.origin, sentAt: r.sentAt, frame: r.frameJson } : r;
  };

  it.each([
    ['a chat message', encodeRouted('gw-1:7', frameJson, 1_750_000_000_123)],
    ['a body with newlines, spaces and non-ASCII', encodeRouted('gw:1', '{"type":"message","body":"two\\nlines 和\nraw é"}', 9)],
    ['an origin holding the separator', encodeRouted('gate way:3', frameJson, 4)],
    ['a service frame', encodeServiceFrame('presence', frameJson)],
    ['a control message', encodeControl({ op: 'joined', conversationId: 'c1', size: 250 })],
    ['an unreadable sentAt', 'gw:1 soon\n{}'],
    ['no header', 'hello'],
    ['no header fields', 'noheaderfields\n{}'],
    ['a broken control message', encodeControl({ op: 'joined', conversationId: 'c', size: 1 }).replace(/\{.*$/s, '{oops')],
  ])('reads %s as decodeRouted reads the string', (_what, payload) => {
    expect(asBytes(payload)).toEqual(asString(payload));
  });

  it('the frame is the payload bytes after the header, not a copy', () => {
    const payload = Buffer.from(encodeRouted('gw-1:7', frameJson, 5));
    const r = decodeRoutedBuffer(payload);
    expect(r?.kind).toBe('frame');
    if (r?.kind !== 'frame') return;
    expect(r.frame.buffer).toBe(payload.buffer);
    expect(r.frame.toString()).toBe(frameJson);
  });
});

describe('channel choice', () => {
  const hybrid = { routing: 'hybrid' as const, groupThreshold: 100 };

  it('hybrid: the group channel only above the threshold', () => {
    expect(usesGroupChannel(hybrid, 2)).toBe(false);
    expect(usesGroupChannel(hybrid, 100)).toBe(false);
    expect(usesGroupChannel(hybrid, 101)).toBe(true);
  });

  it('a forced routing ignores the size', () => {
    expect(usesGroupChannel({ routing: 'group', groupThreshold: 100 }, 2)).toBe(true);
    expect(usesGroupChannel({ routing: 'inbox', groupThreshold: 100 }, 10_000)).toBe(false);
  });

  it('names one group channel, or every member inbox', () => {
    const small = { conversationId: 'c1', members: ['a', 'b'] };
    expect(conversationChannels(keys, hybrid, small)).toEqual({ kind: 'inbox', channels: ['t:inbox:a', 't:inbox:b'] });
    expect(conversationChannels(keys, { routing: 'group', groupThreshold: 100 }, small)).toEqual({ kind: 'group', channels: ['t:group:c1'] });
  });
});

describe('publishMessage', () => {
  const message: Message = { conversationId: 'c1', messageId: '1001', senderId: 'a', clientMsgId: 'm-1', body: 'hi', sentAt: 1_750_000_000_000 };

  function fakeRedis(reply: [string, number]) {
    const calls: Array<Array<string | number>> = [];
    const redis = { chatlabSend: async (...args: Array<string | number>) => (calls.push(args), reply) } as unknown as Redis;
    return { redis, calls };
  }

  it('computes its own keys (dedupe per sender) and stream cap, and publishes a message frame with sentAt in the header', async () => {
    const { redis, calls } = fakeRedis([JSON.stringify(message), 1]);
    const result = await publishMessage(redis, keys, { message, origin: 'gw:1', channels: ['t:inbox:a', 't:inbox:b'], dedupeTtlSec: 60 });
    expect(result).toEqual({ outcome: 'published', messageId: '1001', messageJson: JSON.stringify(message) });
    const [numKeys, dedupeKey, recentKey, metaKey, id, ttl, stored, payload, maxlen, version, origin, ...channels] = calls[0]!;
    expect([numKeys, dedupeKey, recentKey, metaKey, id, ttl, stored, maxlen, version, origin]).toEqual([3, 't:dedupe:c1:a:m-1', 't:recent:c1', 't:conv:c1:meta', '1001', 60, JSON.stringify(message), RECENT_MAXLEN, '', 'gw:1']);
    expect(channels).toEqual(['t:inbox:a', 't:inbox:b']);
    const routed = frame(payload as string);
    expect(routed).toMatchObject({ origin: 'gw:1', sentAt: message.sentAt });
    expect(parseServerFrame(routed.frameJson)).toEqual({ ok: true, frame: { type: 'message', ...message } });
  });

  it('a re-send stands as the stored original, never the new body', async () => {
    const original = JSON.stringify({ ...message, messageId: '900', body: 'first' });
    const { redis } = fakeRedis([original, 0]);
    const result = await publishMessage(redis, keys, { message: { ...message, body: 'rewritten' }, origin: 'gw:1', channels: [], dedupeTtlSec: 60 });
    expect(result).toEqual({ outcome: 'duplicate', messageId: '900', messageJson: original });
  });

  it('an id not above the conversation\'s last one is stale: the top id comes back to mint above', async () => {
    const { redis } = fakeRedis(['2002', 2]);
    expect(await publishMessage(redis, keys, { message, origin: 'gw:1', channels: [], dedupeTtlSec: 60 })).toEqual({ outcome: 'stale', topId: '2002' });
  });

  it('a re-send with another body stands as the original message, body and all', async () => {
    const original = { ...message, messageId: '900', body: 'original', sentAt: 1 };
    const { redis, calls } = fakeRedis([JSON.stringify(original), 0]);
    const result = await publishMessage(redis, keys, { message: { ...message, body: 'rewritten' }, origin: 'gw:1', channels: [], dedupeTtlSec: 60 });
    expect(result).toEqual({ outcome: 'duplicate', messageId: '900', messageJson: JSON.stringify(original) });
    expect(calls[0]![1]).toBe('t:dedupe:c1:a:m-1'); // keyed by the sender: another member's m-1 is another key
  });
});

describe('publishBatched', () => {
  function fakePipelines(fail?: string) {
    const batches: string[][] = [];
    const redis = {
      pipeline() {
        const batch: string[] = [];
        batches.push(batch);
        return {
          publish: (channel: string) => batch.push(channel),
          exec: async () => batch.map((c) => [c === fail ? new Error(`no ${c}`) : null, 1]),
        };
      },
    } as unknown as Redis;
    return { redis, batches };
  }

  it('one pipeline per batch', async () => {
    const { redis, batches } = fakePipelines();
    await publishBatched(redis, ['a', 'b', 'c', 'd', 'e'].map((c) => [c, 'p'] as const), 2);
    expect(batches).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('a failed publish fails the call', async () => {
    const { redis } = fakePipelines('b');
    await expect(publishBatched(redis, [['a', 'p'], ['b', 'p']], 10)).rejects.toThrow('no b');
  });
});

describe('messageIdOfFrame', () => {
  it('reads the id of a message frame from its bytes, and nothing from other frames', async () => {
    const { messageFrameJson, messageIdOfFrame } = await import('./fanout.js');
    const json = JSON.stringify({ conversationId: 'c1', messageId: '385723443784355840', senderId: 'a', clientMsgId: 'm', body: '"messageId":"x"', sentAt: 1 });
    expect(messageIdOfFrame(Buffer.from(messageFrameJson(json)))).toBe('385723443784355840');
    expect(messageIdOfFrame(Buffer.from('{"type":"receipt","conversationId":"c1","userId":"b","messageId":"5"}'))).toBeUndefined();
    expect(messageIdOfFrame(Buffer.from('{"type":"member","conversationId":"c1","messageId":"7"}'))).toBeUndefined();
  });
});

describe('idOfFrame', () => {
  it('reads the id of a message or member frame from its bytes, and nothing where there is no numeric id', async () => {
    const { idOfFrame, messageFrameJson } = await import('./fanout.js');
    const json = JSON.stringify({ conversationId: 'c1', messageId: '385723443784355840', senderId: 'a', clientMsgId: 'm', body: 'hi', sentAt: 1 });
    expect(idOfFrame(Buffer.from(messageFrameJson(json)))).toBe('385723443784355840');
    expect(idOfFrame(Buffer.from('{"type":"member","conversationId":"c1","messageId":"7"}'))).toBe('7');
    expect(idOfFrame(Buffer.from('{"type":"presence","userId":"b","status":"online"}'))).toBeUndefined();
    expect(idOfFrame(Buffer.from('{"type":"member","messageId":"x7"}'))).toBeUndefined();
  });
});

describe('routingPolicyOf', () => {
  it('fills the defaults in and refuses what no gateway would accept', async () => {
    const { DEFAULT_ROUTING_POLICY, routingPolicyOf, usesGroupChannel } = await import('./fanout.js');
    expect(routingPolicyOf({})).toEqual(DEFAULT_ROUTING_POLICY);
    expect(routingPolicyOf({ routing: 'inbox', groupThreshold: 7, createRatePerSec: 1000 })).toEqual({ routing: 'inbox', groupThreshold: 7 });
    expect(routingPolicyOf({ groupThreshold: 0 })).toBeNull();
    expect(routingPolicyOf({ routing: 'sideways' })).toBeNull();
    expect(usesGroupChannel(DEFAULT_ROUTING_POLICY, 100)).toBe(false);
    expect(usesGroupChannel(DEFAULT_ROUTING_POLICY, 101)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { encodeControl, encodeRouted, messageFrameJson } from '../store/index.js';
import { FrameMemo } from './frame-memo.js';
import { payloadOfTextFrame } from './wire-frame.js';

const frameJson = (id: string, body: string) => messageFrameJson(JSON.stringify({ messageId: id, conversationId: 'c1', senderId: 'u1', body }));
const payload = (id: string, body = 'hello') => Buffer.from(encodeRouted('gw-1:7', frameJson(id, body), 1_750_000_000_123));

function frameOf(memo: FrameMemo, p: Buffer) {
  const routed = memo.decode(p);
  if (routed?.kind !== 'frame') throw new Error(`not a frame: ${routed?.kind}`);
  const { wire, messageId } = memo.wire(routed);
  return { routed, text: payloadOfTextFrame(wire).toString('utf8'), messageId, wire };
}

describe('FrameMemo: one message arriving once per member is decoded and framed once', () => {
  it('frames each payload as it came, with its messageId, origin and sentAt', () => {
    const memo = new FrameMemo();
    const a = frameOf(memo, payload('101'));
    expect(a).toMatchObject({ text: frameJson('101', 'hello'), messageId: '101', routed: { origin: 'gw-1:7', sentAt: 1_750_000_000_123 } });
    const b = frameOf(memo, payload('102', 'world'));
    expect(b).toMatchObject({ text: frameJson('102', 'world'), messageId: '102' });
  });

  it('answers a repeat of the same bytes with the same frame, and a different message with its own', () => {
    const memo = new FrameMemo();
    const first = frameOf(memo, payload('101'));
    const again = frameOf(memo, payload('101'));
    expect(again.wire).toBe(first.wire);
    const other = frameOf(memo, payload('102'));
    expect(other.wire).not.toBe(first.wire);
    expect(other.text).toBe(frameJson('102', 'hello'));
  });

  it('keeps its own copy: bytes the Redis client reuses after handing them over change nothing', () => {
    const memo = new FrameMemo();
    const p = payload('101');
    frameOf(memo, p);
    payload('202').copy(p); // the same length, other bytes, in the buffer the memo was given
    const next = frameOf(memo, p);
    expect(next).toMatchObject({ text: frameJson('202', 'hello'), messageId: '202' });
  });

  it('passes controls and malformed payloads through undecoded by memory', () => {
    const memo = new FrameMemo();
    frameOf(memo, payload('101'));
    const control = memo.decode(Buffer.from(encodeControl({ op: 'joined', conversationId: 'c9', size: 300 })));
    expect(control).toEqual({ kind: 'control', control: { op: 'joined', conversationId: 'c9', size: 300 } });
    expect(memo.decode(Buffer.from('no header here'))).toBeUndefined();
    expect(frameOf(memo, payload('101')).text).toBe(frameJson('101', 'hello'));
  });
});

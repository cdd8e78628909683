import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import { textFrame } from './wire-frame.js';

// ws's own frame parser (the one its clients use); @types/ws does not declare it
type ReceiverLike = EventEmitter & { write(chunk: Buffer): void };
const Receiver = (createRequire(import.meta.url)('ws') as { Receiver: unknown }).Receiver as new (o: { isServer: boolean; skipUTF8Validation: boolean }) => ReceiverLike;

/** What a client's parser (ws's own Receiver) makes of the bytes. */
function parse(wire: Buffer): string[] {
  const got: string[] = [];
  const receiver = new Receiver({ isServer: false, skipUTF8Validation: false });
  receiver.on('message', (data: Buffer, isBinary: boolean) => {
    expect(isBinary).toBe(false);
    got.push(data.toString());
  });
  receiver.on('error', (err: Error) => {
    throw err;
  });
  receiver.write(wire);
  return got;
}

describe('textFrame', () => {
  it.each([0, 1, 125, 126, 400, 65_535, 65_536, 200_000])('is one text frame a client reads back (%i bytes)', (n) => {
    const body = 'é'.repeat(Math.floor(n / 2)) + 'x'.repeat(n % 2);
    const payload = Buffer.from(body);
    expect(parse(textFrame(payload))).toEqual([body]);
  });

  it('two frames back to back are two messages', () => {
    const a = textFrame(Buffer.from('{"type":"message","body":"a"}'));
    const b = textFrame(Buffer.from('{"type":"message","body":"b"}'));
    expect(parse(Buffer.concat([a, b]))).toEqual(['{"type":"message","body":"a"}', '{"type":"message","body":"b"}']);
  });
});

import { describe, expect, it } from 'vitest';
import { ChatlabError } from '../core/index.js';
import { LONGPOLL, matchLongPollPath, parseFramesBody, parseWaitMs } from './longpoll-request.js';
import { payloadOfTextFrame, textFrame } from './wire-frame.js';

const problem = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ChatlabError);
    expect((e as ChatlabError).code).toBe('CHATLAB_E_BAD_REQUEST');
    return (e as Error).message;
  }
  throw new Error('no problem found');
};
const send = { type: 'send', clientMsgId: 'm1', conversationId: 'c1', body: 'hi' };

describe('long-poll request parsing', () => {
  it('matches the open path and a session path; a malformed session id is a 400', () => {
    expect(matchLongPollPath('/v1/lp')).toEqual({ kind: 'open' });
    expect(matchLongPollPath('/v1/lp/AAAAAAAAAAAAAAAAAAAAAA')).toEqual({ kind: 'session', sessionId: 'AAAAAAAAAAAAAAAAAAAAAA' });
    expect(matchLongPollPath('/v1/ws')).toBeNull();
    expect(matchLongPollPath('/v1/lpx')).toBeNull();
    expect(problem(() => matchLongPollPath('/v1/lp/../../etc'))).toMatch(/session id/);
    expect(problem(() => matchLongPollPath('/v1/lp/short'))).toMatch(/session id/);
  });

  it('wait defaults, and must be whole ms within the maximum', () => {
    expect(parseWaitMs(new URLSearchParams())).toBe(LONGPOLL.defaultWaitMs);
    expect(parseWaitMs(new URLSearchParams('wait=0'))).toBe(0);
    expect(parseWaitMs(new URLSearchParams(`wait=${LONGPOLL.maxWaitMs}`))).toBe(LONGPOLL.maxWaitMs);
    for (const bad of ['wait=-1', 'wait=1.5', 'wait=abc', 'wait=', `wait=${LONGPOLL.maxWaitMs + 1}`, 'wait=1e3']) expect(problem(() => parseWaitMs(new URLSearchParams(bad)))).toMatch(/^wait:/);
  });

  it('a body is one frame or an array of them, each checked as a WebSocket frame is', () => {
    expect(parseFramesBody(Buffer.from(JSON.stringify(send)), 1024)).toEqual([send]);
    expect(parseFramesBody(Buffer.from(JSON.stringify([send, { type: 'heartbeat' }])), 1024)).toHaveLength(2);
    expect(problem(() => parseFramesBody(Buffer.from('{"type":'), 1024))).toMatch(/^bad_json/);
    expect(problem(() => parseFramesBody(Buffer.from('[]'), 1024))).toMatch(/^invalid_frame: no frame/);
    expect(problem(() => parseFramesBody(Buffer.from(JSON.stringify([send, { type: 'nope' }])), 1024))).toMatch(/^frames\[1\]: unknown_type/);
    expect(problem(() => parseFramesBody(Buffer.from(JSON.stringify([send, 7])), 1024))).toMatch(/^frames\[1\]: invalid_frame/);
    expect(problem(() => parseFramesBody(Buffer.from(JSON.stringify({ ...send, body: 'x'.repeat(2000) })), 1024))).toMatch(/^frame_too_large/);
    expect(problem(() => parseFramesBody(Buffer.from(JSON.stringify(Array(LONGPOLL.maxFramesPerPost + 1).fill(send))), 1024))).toMatch(/at most/);
  });

  it('strips the WebSocket header of every frame size the router builds', () => {
    for (const n of [0, 125, 126, 65_535, 65_536]) {
      const payload = Buffer.alloc(n, 'a');
      expect(payloadOfTextFrame(textFrame(payload)).equals(payload)).toBe(true);
    }
  });
});

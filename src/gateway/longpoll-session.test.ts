import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ABNORMAL_CLOSE, LongPollSession, pollBody, type PollAnswer } from './longpoll-session.js';
import { textFrame } from './wire-frame.js';

/** The body as a client reads it, without `seq` (the acknowledged polls below check it). */
const text = (a: PollAnswer) => {
  const { seq: _seq, ...rest } = JSON.parse(pollBody(a).toString()) as { frames: unknown[]; seq: number; closed?: { code: number } };
  return rest;
};

describe('LongPollSession', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('buffers frames between polls and hands them all to the next poll, in order, as sent', () => {
    const s = new LongPollSession();
    s.sendText('{"type":"ack","n":1}');
    s.sendWire(textFrame(Buffer.from('{"type":"message","n":2}')));
    expect(s.bufferedAmount).toBe(Buffer.byteLength('{"type":"ack","n":1}{"type":"message","n":2}'));
    const got: PollAnswer[] = [];
    expect(s.poll((a) => got.push(a), 20_000)).toBe(true);
    expect(got.map(text)).toEqual([{ frames: [{ type: 'ack', n: 1 }, { type: 'message', n: 2 }] }]);
    expect(s.bufferedAmount).toBe(0);
  });

  it('a poll with nothing waiting is answered by the next frame, or empty when its wait ends', () => {
    const s = new LongPollSession();
    const got: PollAnswer[] = [];
    s.poll((a) => got.push(a), 20_000);
    expect(got).toEqual([]);
    s.sendText('{"n":1}');
    s.sendText('{"n":2}');
    vi.advanceTimersByTime(0);
    expect(got.map(text)).toEqual([{ frames: [{ n: 1 }, { n: 2 }] }]);
    s.poll((a) => got.push(a), 1000);
    vi.advanceTimersByTime(999);
    expect(got).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(got.map(text)[1]).toEqual({ frames: [] });
  });

  it('refuses a second poll while one waits, and keeps frames for the next poll when a poll is cancelled', () => {
    const s = new LongPollSession();
    const first: PollAnswer[] = [];
    s.poll((a) => first.push(a), 20_000);
    expect(s.poll(() => {}, 20_000)).toBe(false);
    s.cancelPoll();
    s.sendText('{"n":1}');
    vi.advanceTimersByTime(30_000);
    expect(first).toEqual([]);
    const second: PollAnswer[] = [];
    s.poll((a) => second.push(a), 20_000);
    expect(second.map(text)).toEqual([{ frames: [{ n: 1 }] }]);
  });

  it('a close is delivered after the frames before it, once, and ends the session', () => {
    const s = new LongPollSession();
    const onEnd = vi.fn();
    s.onEnd = onEnd;
    s.sendText('{"type":"reconnect","afterMs":5}');
    s.close(1012, 'gateway restarting');
    s.sendText('{"late":true}');
    expect(onEnd).toHaveBeenCalledTimes(1);
    expect(s.open).toBe(false);
    expect(s.finished).toBe(false);
    const got: PollAnswer[] = [];
    s.poll((a) => got.push(a), 20_000);
    expect(got.map(text)).toEqual([{ frames: [{ type: 'reconnect', afterMs: 5 }], closed: { code: 1012, reason: 'gateway restarting' } }]);
    expect(s.finished).toBe(true);
  });

  it('terminate answers a waiting poll with 1006, drops the buffer and ends the session once', () => {
    const s = new LongPollSession();
    const onEnd = vi.fn();
    s.onEnd = onEnd;
    const got: PollAnswer[] = [];
    s.poll((a) => got.push(a), 20_000);
    s.terminate();
    s.terminate();
    expect(got.map(text)).toEqual([{ frames: [], closed: { code: ABNORMAL_CLOSE, reason: 'session dropped' } }]);
    expect(onEnd).toHaveBeenCalledTimes(1);
    expect(s.finished).toBe(true);
  });

  it('a liveness probe counts as answered only while a poll waits; each poll counts too', () => {
    const s = new LongPollSession();
    const alive = vi.fn();
    s.onAlive = alive;
    s.ping();
    expect(alive).not.toHaveBeenCalled();
    s.poll(() => {}, 20_000);
    expect(alive).toHaveBeenCalledTimes(1);
    s.ping();
    expect(alive).toHaveBeenCalledTimes(2);
  });
});

describe('LongPollSession: acknowledged polls', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  const body = (a: PollAnswer) => JSON.parse(pollBody(a).toString()) as { frames: Array<{ n: number }>; seq: number };

  it('an answer lost in transit is answered again: frames leave the buffer only once acknowledged', () => {
    const s = new LongPollSession();
    const got: PollAnswer[] = [];
    s.sendText('{"n":1}');
    s.sendText('{"n":2}');
    s.poll((a) => got.push(a), 20_000, Date.now(), 0);
    expect(body(got[0]!)).toEqual({ frames: [{ n: 1 }, { n: 2 }], seq: 2 });
    // that response died on its way: the client polls again with what it last got (nothing)
    s.sendText('{"n":3}');
    s.poll((a) => got.push(a), 20_000, Date.now(), 0);
    expect(body(got[1]!)).toEqual({ frames: [{ n: 1 }, { n: 2 }, { n: 3 }], seq: 3 });
    // this one arrived
    s.poll((a) => got.push(a), 1000, Date.now(), 3);
    expect(s.bufferedAmount).toBe(0);
    s.sendText('{"n":4}');
    vi.advanceTimersByTime(0);
    expect(body(got[2]!)).toEqual({ frames: [{ n: 4 }], seq: 4 });
    // a poll without ack takes what is there, as before
    s.poll((a) => got.push(a), 1000);
    expect(body(got[3]!)).toEqual({ frames: [{ n: 4 }], seq: 4 });
    s.poll((a) => got.push(a), 1000, Date.now(), 4);
    vi.advanceTimersByTime(1000);
    expect(body(got[4]!)).toEqual({ frames: [], seq: 4 });
  });
});

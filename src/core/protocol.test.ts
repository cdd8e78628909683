import { describe, expect, it } from 'vitest';
import { ChatlabError, ErrorCodes } from './errors.js';
import {
  CloseCodes,
  ErrorFrameCodes,
  conversationKind,
  parseClientFrame,
  parseCreateConversationBody,
  parseHistoryQuery,
  parseServerFrame,
  userIdSchema,
} from './protocol.js';

const msg = { conversationId: 'c1', messageId: '123456789', senderId: 'alice', clientMsgId: 'm-1', body: 'hi', sentAt: 1_750_000_000_000 };
const j = (v: unknown) => JSON.stringify(v);

function rejected(raw: string) {
  const r = parseClientFrame(raw);
  if (r.ok) throw new Error(`expected ${raw} to be rejected`);
  return r;
}

describe('parseClientFrame accepts every client frame', () => {
  it.each([
    { type: 'send', clientMsgId: 'm-1', conversationId: 'c_1', body: 'hello' },
    { type: 'send', clientMsgId: 'x'.repeat(64), conversationId: 'c'.repeat(64), body: 'b'.repeat(4096) },
    { type: 'sync', conversationId: 'c1', after: '0' },
    { type: 'sync', conversationId: 'c1', after: '9223372036854775807', limit: 500 },
    { type: 'read', conversationId: 'c1', messageId: '123' },
    { type: 'heartbeat' },
  ])('%o', (frame) => {
    expect(parseClientFrame(j(frame))).toEqual({ ok: true, frame });
  });

  it('drops unknown keys so newer clients do not break older gateways', () => {
    expect(parseClientFrame(j({ type: 'heartbeat', extra: 1 }))).toEqual({ ok: true, frame: { type: 'heartbeat' } });
  });
});

describe('parseClientFrame rejects bad input with a code, a message and a ref', () => {
  it('malformed JSON → bad_json', () => {
    expect(rejected('{"type":"send",')).toMatchObject({ code: 'bad_json' });
    expect(rejected('{"type":"send",').ref).toBeUndefined();
  });

  it('non-object or missing type → invalid_frame', () => {
    expect(rejected('[1]')).toMatchObject({ code: 'invalid_frame', message: 'frame must be a JSON object' });
    expect(rejected('null')).toMatchObject({ code: 'invalid_frame' });
    expect(rejected(j({ clientMsgId: 'm-9' }))).toEqual({ ok: false, code: 'invalid_frame', message: 'type: required', ref: 'm-9' });
  });

  it('unknown type → unknown_type, with ref when a clientMsgId is present', () => {
    expect(rejected(j({ type: 'shout', clientMsgId: 'm-2' }))).toEqual({
      ok: false,
      code: 'unknown_type',
      message: 'unknown frame type "shout"',
      ref: 'm-2',
    });
    expect(rejected(j({ type: 'toString' })).code).toBe('unknown_type');
    expect(rejected(j({ type: 'ack', clientMsgId: 'm', conversationId: 'c', messageId: '1' })).code).toBe('unknown_type');
  });

  it.each([
    [{ type: 'send', clientMsgId: 'm-3', conversationId: 'c1', body: '' }, 'body', 'm-3'],
    [{ type: 'send', clientMsgId: 'm-3', conversationId: 'c1', body: 'b'.repeat(4097) }, 'body', 'm-3'],
    [{ type: 'send', clientMsgId: 'm-3', conversationId: 'c 1', body: 'x' }, 'conversationId', 'm-3'],
    [{ type: 'send', clientMsgId: 'm-3', body: 'x' }, 'conversationId', 'm-3'],
    [{ type: 'send', clientMsgId: 'x'.repeat(65), conversationId: 'c1', body: 'x' }, 'clientMsgId', 'x'.repeat(65)],
    [{ type: 'send', clientMsgId: 7, conversationId: 'c1', body: 'x' }, 'clientMsgId', undefined],
    [{ type: 'sync', conversationId: 'c1', after: '007' }, 'after', undefined],
    [{ type: 'sync', conversationId: 'c1', after: 5 }, 'after', undefined],
    [{ type: 'sync', conversationId: 'c1', after: '0', limit: 0 }, 'limit', undefined],
    [{ type: 'sync', conversationId: 'c1', after: '0', limit: 501 }, 'limit', undefined],
    [{ type: 'sync', conversationId: 'c1', after: '0', limit: 2.5 }, 'limit', undefined],
    [{ type: 'read', conversationId: 'c1', messageId: '9223372036854775808' }, 'messageId', undefined],
  ])('%o → invalid_frame naming %s', (frame, field, ref) => {
    const r = rejected(j(frame));
    expect(r.code).toBe('invalid_frame');
    expect(r.message.startsWith(`${field}: `)).toBe(true);
    expect(r.ref).toBe(ref);
  });
});

describe('parseServerFrame accepts every server frame', () => {
  it.each([
    { type: 'ack', clientMsgId: 'm-1', conversationId: 'c1', messageId: '42' },
    { type: 'message', ...msg },
    { type: 'sync_result', conversationId: 'c1', messages: [msg], hasMore: true },
    { type: 'presence', userId: 'bob', status: 'offline', at: 1 },
    { type: 'receipt', conversationId: 'c1', userId: 'bob', messageId: '42' },
    { type: 'reconnect', afterMs: 250 },
    { type: 'error', code: 'not_member', message: 'not a member of c1', ref: 'm-1' },
    { type: 'error', code: 'internal', message: 'oops' },
  ])('%o', (frame) => {
    expect(parseServerFrame(j(frame))).toEqual({ ok: true, frame });
  });

  it('rejects a server frame with a bad nested field, naming its path', () => {
    const r = parseServerFrame(j({ type: 'sync_result', conversationId: 'c1', messages: [{ ...msg, sentAt: -1 }], hasMore: false }));
    expect(r).toMatchObject({ ok: false, code: 'invalid_frame', message: 'messages[0].sentAt: must be >= 0' });
    expect(parseServerFrame(j({ type: 'presence', userId: 'bob', status: 'away', at: 1 })).ok).toBe(false);
    expect(parseServerFrame(j({ type: 'error', code: 'teapot', message: 'x' })).ok).toBe(false);
  });
});

describe('ids and constants', () => {
  it('user ids are 1..64 chars of [A-Za-z0-9_-]', () => {
    for (const ok of ['a', 'User_1-x', 'u'.repeat(64)]) expect(userIdSchema.safeParse(ok).success).toBe(true);
    for (const bad of ['', 'u'.repeat(65), 'a b', 'é', 'a/b', 5]) expect(userIdSchema.safeParse(bad).success).toBe(false);
  });

  it('exposes the contract close codes and error codes', () => {
    expect(CloseCodes).toEqual({ TOO_LARGE: 1009, RESTARTING: 1012, IDLE: 4000, RATE_LIMIT: 4008 });
    expect(ErrorFrameCodes).toEqual(['bad_json', 'unknown_type', 'invalid_frame', 'not_member', 'unknown_conversation', 'rate_limited', 'internal', 'unavailable']);
  });
});

describe('HTTP bodies', () => {
  it('accepts a conversation body that includes the caller', () => {
    expect(parseCreateConversationBody({ members: ['alice', 'bob'] }, 'alice')).toEqual({ members: ['alice', 'bob'] });
    expect(parseCreateConversationBody({ members: ['alice', 'bob', 'carol'], name: 'team' }, 'bob').name).toBe('team');
  });

  it('refuses more members than the cap (10,000 by default, configurable) with BAD_REQUEST', () => {
    const members = Array.from({ length: 10_001 }, (_, i) => `u${i}`);
    expect(() => parseCreateConversationBody({ members }, 'u0')).toThrow(/at most 10000 users/);
    expect(parseCreateConversationBody({ members: members.slice(0, 10_000) }, 'u0').members).toHaveLength(10_000);
    expect(() => parseCreateConversationBody({ members: ['a', 'b', 'c'] }, 'a', 2)).toThrow(expect.objectContaining({ code: 'CHATLAB_E_BAD_REQUEST' }));
    expect(conversationKind(['alice', 'bob'])).toBe('direct');
    expect(conversationKind(['alice', 'bob', 'carol'])).toBe('group');
  });

  it.each([
    [null, 'body must be a JSON object'],
    [{}, 'members: required'],
    [{ members: ['alice'] }, 'members: must list 2..100000 users'],
    [{ members: ['alice', 'alice'] }, 'members: must not repeat a user'],
    [{ members: ['alice', 'b b'] }, 'members[1]: must use only A-Z a-z 0-9 _ -'],
    [{ members: ['alice', 'bob'], name: 'n'.repeat(201) }, 'name: must be at most 200 characters'],
    [{ members: ['bob', 'carol'] }, 'members: must include the caller'],
  ])('rejects %o with BAD_REQUEST "%s"', (body, message) => {
    let err: unknown;
    try {
      parseCreateConversationBody(body, 'alice');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ChatlabError);
    expect(err).toMatchObject({ code: ErrorCodes.BAD_REQUEST, message });
  });

  it('rejects more than 100000 members', () => {
    const members = Array.from({ length: 100_001 }, (_, i) => `u${i}`);
    expect(() => parseCreateConversationBody({ members }, 'u0')).toThrow('members: must list 2..100000 users');
  });

  it('reads the history query with defaults', () => {
    expect(parseHistoryQuery(new URLSearchParams(''))).toEqual({ after: '0', limit: 50 });
    expect(parseHistoryQuery(new URLSearchParams('after=123&limit=500'))).toEqual({ after: '123', limit: 500 });
  });

  it.each([
    ['limit=0', 'limit: must be 1..500'],
    ['limit=501', 'limit: must be 1..500'],
    ['limit=abc', 'limit: must be a number'],
    ['limit=1.5', 'limit: must be an integer'],
    ['after=-1', 'after: must be a decimal id (no leading zeros, < 2^63)'],
  ])('rejects the history query %s', (qs, message) => {
    expect(() => parseHistoryQuery(new URLSearchParams(qs))).toThrow(expect.objectContaining({ code: ErrorCodes.BAD_REQUEST, message }));
  });
});

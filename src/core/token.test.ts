import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../core/errors.js';
import { DEFAULT_TOKEN_TTL_SEC, signToken, verifyToken } from './token.js';

const SECRET = 'test-secret';
const NOW = Date.UTC(2025, 0, 1, 12);

function forge(payload: unknown, secret = SECRET): string {
  const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${encoded}.${createHmac('sha256', secret).update(encoded).digest('base64url')}`;
}

describe('signToken / verifyToken', () => {
  it('round-trips a user id', () => {
    const token = signToken('alice_1', SECRET, { now: NOW });
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyToken(token, SECRET, NOW)).toEqual({ ok: true, userId: 'alice_1' });
  });

  it('carries sub, iat and exp in the payload', () => {
    const token = signToken('bob', SECRET, { now: NOW, ttlSec: 60 });
    const payload = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());
    expect(payload).toEqual({ sub: 'bob', iat: NOW / 1000, exp: NOW / 1000 + 60 });
  });

  it('accepts a token until its expiry, then reports expired', () => {
    const token = signToken('bob', SECRET, { now: NOW, ttlSec: 60 });
    expect(verifyToken(token, SECRET, NOW + 59_999)).toEqual({ ok: true, userId: 'bob' });
    expect(verifyToken(token, SECRET, NOW + 60_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('a token signed without a ttl expires after the default lifetime (a day)', () => {
    const token = signToken('bob', SECRET, { now: NOW });
    expect(verifyToken(token, SECRET, NOW + DEFAULT_TOKEN_TTL_SEC * 1000 - 1).ok).toBe(true);
    expect(verifyToken(token, SECRET, NOW + DEFAULT_TOKEN_TTL_SEC * 1000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('a token without exp (signed before the default) is held to the default lifetime from iat', () => {
    const old = forge({ sub: 'bob', iat: NOW / 1000 });
    expect(verifyToken(old, SECRET, NOW + 1000).ok).toBe(true);
    expect(verifyToken(old, SECRET, NOW + 10 * 365 * 86_400_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('rejects a bad signature: other secret, edited payload, edited signature', () => {
    const token = signToken('alice', SECRET, { now: NOW });
    expect(verifyToken(token, 'other-secret', NOW)).toEqual({ ok: false, reason: 'bad_signature' });

    const [, sig] = token.split('.');
    const mallory = Buffer.from(JSON.stringify({ sub: 'mallory', iat: NOW / 1000 })).toString('base64url');
    expect(verifyToken(`${mallory}.${sig}`, SECRET, NOW)).toEqual({ ok: false, reason: 'bad_signature' });

    // A→B changes only the unused low bits of the last char: decodes alike, still refused.
    const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    expect(verifyToken(flipped, SECRET, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyToken(token + 'A', SECRET, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('rejects a correctly signed token whose user id is invalid', () => {
    expect(verifyToken(forge({ sub: 'no spaces', iat: 1 }), SECRET, NOW)).toEqual({ ok: false, reason: 'bad_user_id' });
    expect(verifyToken(forge({ sub: 'x'.repeat(65), iat: 1 }), SECRET, NOW)).toEqual({ ok: false, reason: 'bad_user_id' });
    expect(verifyToken(forge({ iat: 1 }), SECRET, NOW)).toEqual({ ok: false, reason: 'bad_user_id' });
  });

  it.each(['', 'abc', 'a.b.c', '.sig', 'payload.', 'pay load.sig', 'a+b.c/d'])('rejects malformed token %j', (token) => {
    expect(verifyToken(token, SECRET, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('rejects a correctly signed token whose payload is not the expected JSON', () => {
    const encoded = Buffer.from('not json').toString('base64url');
    const token = `${encoded}.${createHmac('sha256', SECRET).update(encoded).digest('base64url')}`;
    expect(verifyToken(token, SECRET, NOW)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyToken(forge({ sub: 'bob', iat: 'yesterday' }), SECRET, NOW)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyToken(forge({ sub: 'bob', iat: 1, exp: 'never' }), SECRET, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('refuses to sign for an invalid user id or with an empty secret', () => {
    expect(() => signToken('a b', SECRET)).toThrow(expect.objectContaining({ code: ErrorCodes.BAD_REQUEST }));
    expect(() => signToken('', SECRET)).toThrow(expect.objectContaining({ code: ErrorCodes.BAD_REQUEST }));
    expect(() => signToken('alice', '')).toThrow(expect.objectContaining({ code: ErrorCodes.CONFIG }));
    expect(() => verifyToken('a.b', '')).toThrow(expect.objectContaining({ code: ErrorCodes.CONFIG }));
  });
});

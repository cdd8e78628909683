/**
 * Bearer tokens: base64url(JSON payload) "." base64url(HMAC-SHA256 over the encoded payload).
 * A shared secret is enough here: every gateway and `chatlab token` belong to one stack, so
 * there is no third party that would need a public key to verify.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ChatlabError, ErrorCodes } from './errors.js';
import { userIdSchema } from './protocol.js';

export type TokenSecret = string | Buffer;

export interface TokenPayload {
  sub: string;
  /** Issued-at and expiry, in seconds since the Unix epoch (as in JWT). */
  iat: number;
  exp?: number;
}

/**
 * Tokens expire by default: a day covers a working session and a `chatlab token` pasted into a
 * tool; a leaked one stops working by itself. A token signed without `exp` (before this
 * default) is held to the same lifetime from its `iat`.
 */
export const DEFAULT_TOKEN_TTL_SEC = 24 * 3600;

export interface SignOptions {
  /** Lifetime in seconds (default DEFAULT_TOKEN_TTL_SEC). */
  ttlSec?: number;
  /** ms since the Unix epoch; injected for tests. */
  now?: number;
}

export type VerifyFailure = 'malformed' | 'bad_signature' | 'bad_user_id' | 'expired';
export type VerifyResult = { ok: true; userId: string } | { ok: false; reason: VerifyFailure };

const B64URL = /^[A-Za-z0-9_-]+$/;

function checkSecret(secret: TokenSecret): void {
  if (secret.length === 0) throw new ChatlabError(ErrorCodes.CONFIG, 'token secret must not be empty');
}

function sign(encodedPayload: string, secret: TokenSecret): string {
  return createHmac('sha256', secret).update(encodedPayload).digest('base64url');
}

export function signToken(userId: string, secret: TokenSecret, options: SignOptions = {}): string {
  checkSecret(secret);
  if (!userIdSchema.safeParse(userId).success) {
    throw new ChatlabError(ErrorCodes.BAD_REQUEST, `not a valid user id (1..64 characters of A-Z a-z 0-9 _ -): ${JSON.stringify(userId)}`);
  }
  const { ttlSec = DEFAULT_TOKEN_TTL_SEC, now = Date.now() } = options;
  if (!(ttlSec > 0) || !Number.isFinite(ttlSec)) {
    throw new ChatlabError(ErrorCodes.BAD_REQUEST, `token ttlSec must be > 0, got ${ttlSec}`);
  }
  const iat = Math.floor(now / 1000);
  const payload: TokenPayload = { sub: userId, iat, exp: iat + Math.ceil(ttlSec) };
  const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${encoded}.${sign(encoded, secret)}`;
}

/** Never throws on a bad token (only on a bad secret): a refused upgrade is routine. */
export function verifyToken(token: string, secret: TokenSecret, now: number = Date.now()): VerifyResult {
  checkSecret(secret);
  const parts = token.split('.');
  if (parts.length !== 2) return { ok: false, reason: 'malformed' };
  const [encoded, sig] = parts as [string, string];
  if (!B64URL.test(encoded) || !B64URL.test(sig)) return { ok: false, reason: 'malformed' };

  // Compare the text of the signature, not its decoded bytes: base64 decoding is lenient, so
  // two different strings could decode alike and make a token malleable.
  const expected = Buffer.from(sign(encoded, secret));
  const given = Buffer.from(sig);
  // Length is public (always 43 chars), so checking it first leaks nothing about the secret.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };

  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof payload !== 'object' || payload === null) return { ok: false, reason: 'malformed' };
  const { sub, iat, exp } = payload as Record<string, unknown>;
  if (!Number.isInteger(iat) || (exp !== undefined && !Number.isInteger(exp))) return { ok: false, reason: 'malformed' };
  if (!userIdSchema.safeParse(sub).success) return { ok: false, reason: 'bad_user_id' };
  const expiresAt = exp === undefined ? (iat as number) + DEFAULT_TOKEN_TTL_SEC : (exp as number);
  if (Math.floor(now / 1000) >= expiresAt) return { ok: false, reason: 'expired' };
  return { ok: true, userId: sub as string };
}

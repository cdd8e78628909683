import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { tokenFromRequest } from './auth.js';

function req(headers: Record<string, string>, url = '/v1/ws'): IncomingMessage {
  return { headers, url } as unknown as IncomingMessage;
}

describe('tokenFromRequest', () => {
  it('reads the Authorization: Bearer header', () => {
    expect(tokenFromRequest(req({ authorization: 'Bearer abc.def' }))).toBe('abc.def');
    expect(tokenFromRequest(req({ authorization: 'bearer   abc.def ' }))).toBe('abc.def');
  });

  it('reads ?token= from the query', () => {
    expect(tokenFromRequest(req({}, '/v1/ws?token=abc.def'))).toBe('abc.def');
  });

  it('prefers the header over the query', () => {
    expect(tokenFromRequest(req({ authorization: 'Bearer header.tok' }, '/v1/ws?token=query.tok'))).toBe('header.tok');
  });

  it('returns undefined when there is no usable token', () => {
    expect(tokenFromRequest(req({}))).toBeUndefined();
    expect(tokenFromRequest(req({}, '/v1/ws?token='))).toBeUndefined();
    expect(tokenFromRequest(req({ authorization: 'Basic dXNlcjpwYXNz' }))).toBeUndefined();
    expect(tokenFromRequest(req({ authorization: 'Bearer' }))).toBeUndefined();
  });
});

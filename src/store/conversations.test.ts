import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConversationStore } from './conversations.js';

describe('conversation ids', () => {
  it('a direct id is stable for the pair in any order, and keyed with the stack secret', () => {
    const a = ConversationStore.idFor(['alice', 'bob'], 'secret-one-0123456789');
    expect(ConversationStore.idFor(['bob', 'alice'], 'secret-one-0123456789')).toBe(a);
    expect(ConversationStore.idFor(['alice', 'bob'], 'secret-two-0123456789')).not.toBe(a);
    expect(a).toMatch(/^d_[A-Za-z0-9_-]{22}$/);
  });

  it('cannot be derived from the members alone (the unkeyed hash of the pair is not it)', () => {
    const unkeyed = `d_${crypto.createHash('sha256').update('alice\u0000bob').digest('base64url').slice(0, 22)}`;
    expect(ConversationStore.idFor(['alice', 'bob'], 'secret-one-0123456789')).not.toBe(unkeyed);
  });

  it('group ids are random', () => {
    expect(ConversationStore.idFor(['a', 'b', 'c'], 's')).not.toBe(ConversationStore.idFor(['a', 'b', 'c'], 's'));
  });
});

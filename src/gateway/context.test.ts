import { describe, expect, it } from 'vitest';
import type { Conversation, ConversationStore } from '../store/index.js';
import { CachedConversations } from './context.js';

const conv = (id: string, n: number): Conversation => ({
  conversationId: id,
  kind: n === 2 ? 'direct' : 'group',
  name: null,
  members: Array.from({ length: n }, (_, i) => `u${i}`),
  createdAt: 0,
  version: '0',
});

describe('CachedConversations is bounded by members held, not by entries', () => {
  it('a large group evicts as many small conversations as its size needs', () => {
    const cache = new CachedConversations({} as ConversationStore, 100);
    for (let i = 0; i < 50; i++) cache.put(conv(`d_${i}`, 2));
    expect(cache.heldMembers).toBe(100);
    cache.put(conv('g_big', 60));
    expect(cache.heldMembers).toBeLessThanOrEqual(100);
    expect(cache.peek('g_big')).toBeDefined();
    expect(cache.peek('d_0')).toBeUndefined(); // oldest went first
    expect(cache.peek('d_49')).toBeDefined();
    expect(cache.isMember('g_big', 'u59')).toBe(true);
  });

  it('many large groups never hold more than the bound', () => {
    const cache = new CachedConversations({} as ConversationStore, 25_000);
    for (let i = 0; i < 20; i++) cache.put(conv(`g_${i}`, 10_000));
    expect(cache.heldMembers).toBeLessThanOrEqual(25_000);
    cache.put(conv('g_19', 10_000)); // re-put does not count twice
    expect(cache.heldMembers).toBeLessThanOrEqual(25_000);
  });
});

describe('CachedConversations follows member changes across races', () => {
  function deferred<T>() {
    let resolve!: (v: T) => void;
    const promise = new Promise<T>((r) => (resolve = r));
    return { promise, resolve };
  }
  const v = (members: string[], version: string): Conversation => ({ ...conv('g', 3), members, version });

  it('a change heard while the conversation loads: the loaded copy (older) is read again, not kept', async () => {
    const first = deferred<Conversation>();
    const answers = [first.promise, Promise.resolve(v(['a', 'b'], '9'))];
    const cache = new CachedConversations({ get: () => answers.shift()! } as unknown as ConversationStore);
    const pending = cache.get('g');
    cache.applyChange({ conversationId: 'g', change: 'left', userIds: ['c'], from: '0', to: '9' });
    first.resolve(v(['a', 'b', 'c'], '0'));
    expect((await pending)!.members).toEqual(['a', 'b']);
    expect(cache.isMember('g', 'c')).toBe(false);
  });

  it('after the subscriber was away, nothing cached before is trusted', async () => {
    const answers = [v(['a', 'b'], '0'), v(['a', 'b', 'x'], '5')];
    const cache = new CachedConversations({ get: async () => answers.shift()! } as unknown as ConversationStore);
    await cache.get('g');
    // x was added while the subscriber was reconnecting: the change was never heard here
    cache.invalidateAll();
    await cache.get('g');
    expect(cache.isMember('g', 'x')).toBe(true);
    expect(cache.heldMembers).toBe(3);
  });
});

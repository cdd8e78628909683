import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../core/index.js';
import type { GatewayContext } from './context.js';
import { changeMembers } from './members-api.js';

describe('changeMembers', () => {
  it('more ids than the member cap are refused before the conversation is read or compared', async () => {
    let reads = 0;
    const ctx = {
      options: { maxMembers: 10_000 },
      conversations: { raw: { get: async () => (reads++, { conversationId: 'g', kind: 'group', members: ['a'], version: '0' }) } },
    } as unknown as GatewayContext;
    const userIds = Array.from({ length: 10_001 }, (_, i) => `u${i}`);
    await expect(changeMembers(ctx, 'a', 'g', 'joined', userIds)).rejects.toMatchObject({ code: ErrorCodes.BAD_REQUEST, message: 'userIds: at most 10000 members (the member cap)' });
    expect(reads).toBe(0);
  });
});

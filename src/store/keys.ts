/** Every Redis key and channel name of the stack, behind one optional prefix (for isolation). */
export function redisKeys(prefix = '') {
  return {
    inbox: (userId: string) => `${prefix}inbox:${userId}`,
    group: (conversationId: string) => `${prefix}group:${conversationId}`,
    recent: (conversationId: string) => `${prefix}recent:${conversationId}`,
    members: (conversationId: string) => `${prefix}conv:${conversationId}:members`,
    meta: (conversationId: string) => `${prefix}conv:${conversationId}:meta`,
    userConversations: (userId: string) => `${prefix}user:${userId}:convs`,
    dedupe: (conversationId: string, clientMsgId: string) => `${prefix}dedupe:${conversationId}:${clientMsgId}`,
    workerPrefix: prefix,
    /** Pattern the gateway uses to tell inbox from group channels on receipt. */
    inboxPrefix: `${prefix}inbox:`,
    groupPrefix: `${prefix}group:`,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;

/** The `deleted:<conv>` key beside a `recent:<conv>` key (ids contain no colon, so the last `recent:` is the one). */
export function deletedKeyOf(recentKey: string): string {
  const at = recentKey.lastIndexOf('recent:');
  return `${recentKey.slice(0, at)}deleted:${recentKey.slice(at + 'recent:'.length)}`;
}

/** Every Redis key and channel name of the stack, behind one optional prefix (for isolation). */
export function redisKeys(prefix = '') {
  return {
    inbox: (userId: string) => `${prefix}inbox:${userId}`,
    group: (conversationId: string) => `${prefix}group:${conversationId}`,
    recent: (conversationId: string) => `${prefix}recent:${conversationId}`,
    /**
     * ZSET (all scores 0, members the ids zero-padded to 19 digits, so lexical order is id order)
     * of deleted messages still in `recent:<conv>`: readers of the stream leave them out.
     */
    deleted: (conversationId: string) => deletedKeyOf(`${prefix}recent:${conversationId}`),
    members: (conversationId: string) => `${prefix}conv:${conversationId}:members`,
    meta: (conversationId: string) => `${prefix}conv:${conversationId}:meta`,
    /** HASH user → their membership spans `join:leave,...` (only users whose membership changed). */
    spans: (conversationId: string) => `${prefix}conv:${conversationId}:spans`,
    /** Channel every gateway subscribes to: member changes (control messages, never to a socket). */
    memberChanges: `${prefix}members:changes`,
    userConversations: (userId: string) => `${prefix}user:${userId}:convs`,
    /** Per sender: another member's clientMsgId is another message, never a re-send. */
    dedupe: (conversationId: string, senderId: string, clientMsgId: string) => `${prefix}dedupe:${conversationId}:${senderId}:${clientMsgId}`,
    workerPrefix: prefix,
    /** Pattern the gateway uses to tell inbox from group channels on receipt. */
    inboxPrefix: `${prefix}inbox:`,
    groupPrefix: `${prefix}group:`,
    // Presence (src/presence): gateways append events; the presence server owns the rest.
    /** Stream of connect/disconnect/heartbeat events (survives a presence server that is down). */
    presenceEvents: `${prefix}presence:events`,
    /** ZSET member `<user>|<socket>`, score = last seen ms (written lazily). */
    presenceSockets: `${prefix}presence:sockets`,
    /** HASH user → live sockets across gateways; a user is online while present here. */
    presenceCount: `${prefix}presence:count`,
    /** ZSET user → when their offline may be announced (the flap window). */
    presencePending: `${prefix}presence:pending`,
    /** HASH user → ms they went offline (the `at` of the offline frame). */
    presenceLastSeen: `${prefix}presence:lastseen`,
    // Read receipts (src/workers/receipts).
    /** HASH user → highest read message id, per conversation. */
    receiptWatermarks: (conversationId: string) => `${prefix}rcpt:wm:${conversationId}`,
    /** SET of `<conv>:<user>` whose watermark is newer than Cassandra's. */
    receiptDirty: `${prefix}rcpt:dirty`,
    /** SET of dirty entries a worker has taken and not yet written (crash-safe hand-over). */
    receiptProcessing: (worker: string) => `${prefix}rcpt:processing:${worker}`,
    /** SET of `<conv>:<user>` whose new watermark other members have not been told yet. */
    receiptNotify: `${prefix}rcpt:notify`,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;

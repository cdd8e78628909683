/** The frames the peer servers (plain ws, Socket.IO) answer with: the same shape chatlab's gateway sends. */
export interface PeerSend {
  conversationId: string;
  clientMsgId: string;
  body: string;
}

export function peerMessage(frame: PeerSend, senderId: string, messageId: string) {
  return { type: 'message', conversationId: frame.conversationId, messageId, senderId, clientMsgId: frame.clientMsgId, body: frame.body, sentAt: Date.now() };
}

export function peerAck(frame: PeerSend, messageId: string) {
  return { type: 'ack', clientMsgId: frame.clientMsgId, conversationId: frame.conversationId, messageId };
}

export function isPeerSend(f: unknown): f is PeerSend {
  const x = f as Partial<Record<keyof PeerSend, unknown>> | null;
  return typeof x?.conversationId === 'string' && typeof x.clientMsgId === 'string' && typeof x.body === 'string';
}

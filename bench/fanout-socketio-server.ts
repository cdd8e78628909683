/**
 * The Socket.IO baseline of bench/fanout.ts: Socket.IO 4 with @socket.io/redis-adapter, one of
 * two (or more) processes sharing the stack's Redis, as one would deploy it. No auth, no Kafka.
 * Each user's socket joins a room per conversation; a `send` event is broadcast to the room
 * (the adapter publishes it once to Redis, every process writes it to its local members, the
 * sender excluded) and the sender gets an `ack` event at once. The frames carry the same
 * fields as chatlab's `message` and `ack` frames. Forked by fanout.ts; reports its port over IPC.
 */
import http from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { isPeerSend, peerAck, peerMessage } from './fanout/peer-frames.js';

interface Init {
  groups: Array<{ conversationId: string; members: string[] }>;
  redisUrl: string;
  /** the adapter's channel prefix: one per run, so runs on one Redis never hear each other */
  key: string;
  /** process number, for message ids that differ between processes */
  index: number;
}

interface SendFrame {
  type?: unknown;
  clientMsgId?: unknown;
  conversationId?: unknown;
  body?: unknown;
}

process.once('message', (init: Init) => {
  const roomsOf = new Map<string, string[]>();
  for (const g of init.groups) for (const m of g.members) roomsOf.set(m, [...(roomsOf.get(m) ?? []), g.conversationId]);
  const pub = new Redis(init.redisUrl);
  const sub = pub.duplicate();
  pub.on('error', () => {});
  sub.on('error', () => {});
  const server = http.createServer();
  const io = new Server(server, {
    transports: ['websocket'],
    perMessageDeflate: false,
    serveClient: false,
    maxHttpBufferSize: 64 * 1024,
    adapter: createAdapter(pub, sub, { key: init.key }),
  });
  let seq = 0n;
  const idBase = 300_000_000_000_000_000n + BigInt(init.index) * 10_000_000_000_000n;
  io.on('connection', (socket) => {
    const userId = String(socket.handshake.query['user'] ?? 'anonymous');
    void socket.join(roomsOf.get(userId) ?? []);
    socket.on('send', (frame: SendFrame) => {
      if (!isPeerSend(frame)) return;
      if (!roomsOf.get(userId)?.includes(frame.conversationId)) return;
      const messageId = String(idBase + ++seq);
      socket.to(frame.conversationId).emit('message', peerMessage(frame, userId, messageId));
      socket.emit('ack', peerAck(frame, messageId));
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    process.send!({ port: addr !== null && typeof addr === 'object' ? addr.port : 0 });
  });
});
process.on('disconnect', () => process.exit(0));

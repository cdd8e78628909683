/**
 * The plain-`ws` baseline of bench/fanout.ts: ONE process, no Redis, no Kafka, no auth. It holds
 * the same users in the same groups and, for each `send` frame, builds the same `message` frame
 * the gateway would (same fields, same sizes) and writes it to every other member's socket, then
 * acks the sender at once. Forked by fanout.ts; it reports its port over IPC.
 */
import { WebSocketServer, type WebSocket } from 'ws';
import { isPeerSend, peerAck, peerMessage } from './fanout/peer-frames.js';

interface Init {
  groups: Array<{ conversationId: string; members: string[] }>;
}

const sockets = new Map<string, Set<WebSocket>>();
const members = new Map<string, string[]>();
let seq = 0n;
const idBase = 300_000_000_000_000_000n;

function onSend(ws: WebSocket, userId: string, raw: string): void {
  let frame: { type?: unknown; clientMsgId?: unknown; conversationId?: unknown; body?: unknown };
  try {
    frame = JSON.parse(raw) as typeof frame;
  } catch {
    ws.send('{"type":"error","code":"bad_frame","message":"not JSON"}');
    return;
  }
  if (frame.type !== 'send' || !isPeerSend(frame)) return;
  const group = members.get(frame.conversationId);
  if (!group) return;
  const messageId = String(idBase + ++seq);
  const out = JSON.stringify(peerMessage(frame, userId, messageId));
  for (const m of group) {
    const set = sockets.get(m);
    if (!set) continue;
    for (const s of set) if (s !== ws) s.send(out);
  }
  ws.send(JSON.stringify(peerAck(frame, messageId)));
}

process.once('message', (init: Init) => {
  for (const g of init.groups) members.set(g.conversationId, g.members);
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 64 * 1024, perMessageDeflate: false });
  wss.on('connection', (ws, req) => {
    const userId = new URL(req.url ?? '/', 'http://x').searchParams.get('user') ?? 'anonymous';
    let set = sockets.get(userId);
    if (!set) sockets.set(userId, (set = new Set()));
    set.add(ws);
    ws.on('message', (data, isBinary) => {
      if (!isBinary) onSend(ws, userId, data.toString());
    });
    ws.on('error', () => {});
    ws.on('close', () => {
      set!.delete(ws);
      if (set!.size === 0) sockets.delete(userId);
    });
  });
  wss.on('listening', () => {
    const addr = wss.address();
    process.send!({ port: addr !== null && typeof addr === 'object' ? addr.port : 0 });
  });
});
process.on('disconnect', () => process.exit(0));

import type { WebSocket } from 'ws';

/**
 * What a Connection needs of its transport. A WebSocket is one (wsWire below); a long-poll
 * session is another (longpoll-session.ts): frames wait in its buffer until the next poll.
 */
export interface ConnectionWire {
  /** Bytes handed over but not yet on the wire: beyond the outbound limit, a slow consumer. */
  readonly bufferedAmount: number;
  /** Whether frames handed over now can still reach the client. */
  readonly open: boolean;
  /** One server frame, as JSON text (or its UTF-8 bytes). */
  sendText(frame: string | Buffer): void;
  /** A whole WebSocket text frame built once by the router for many sockets (wire-frame.ts). */
  sendWire(wire: Buffer): void;
  /** Liveness probe: the transport answers by calling the connection's `alive()`. */
  ping(): void;
  close(code: number, reason: string): void;
  /** Gone without a close handshake. */
  terminate(): void;
}

export function wsWire(ws: WebSocket): ConnectionWire {
  return {
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    get open() {
      return ws.readyState === ws.OPEN;
    },
    // a Buffer is already the frame's UTF-8: sent as a text frame without another encoding
    sendText: (frame) => ws.send(frame, { binary: false }),
    // as engine.io writes its pre-encoded broadcasts: through ws's Sender, one write, the bytes
    // ws.send would put on the wire (the gateway never compresses, so nothing is queued there)
    sendWire: (wire) => (ws as unknown as { _sender: { sendFrame(list: Buffer[]): void } })._sender.sendFrame([wire]),
    ping: () => ws.ping(),
    close: (code, reason) => ws.close(code, reason),
    terminate: () => ws.terminate(),
  };
}

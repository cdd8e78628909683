/**
 * A whole WebSocket text frame (RFC 6455 §5.2, server to client: FIN, opcode 1, unmasked) in
 * one Buffer. Every socket that gets the same frame gets the same bytes, so the router frames
 * once and each socket writes this with one call: no per-socket header, encoding or writev.
 */
export function textFrame(payload: Buffer): Buffer {
  const n = payload.length;
  const headerLength = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const out = Buffer.allocUnsafe(headerLength + n);
  out[0] = 0x81;
  if (n < 126) {
    out[1] = n;
  } else if (n < 65_536) {
    out[1] = 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 127;
    out.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    out.writeUInt32BE(n >>> 0, 6);
  }
  payload.copy(out, headerLength);
  return out;
}

/** The payload of a frame textFrame built (no copy): what a transport without WebSocket framing sends. */
export function payloadOfTextFrame(wire: Buffer): Buffer {
  const len = wire[1]! & 0x7f;
  return wire.subarray(len < 126 ? 2 : len === 126 ? 4 : 10);
}

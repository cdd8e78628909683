import type { Socket } from 'node:net';

/** What a meter has counted so far. */
export interface WireTotals {
  /** Bytes read and written on the TCP sockets (HTTP headers, WebSocket framing and handshakes included). */
  bytesIn: number;
  bytesOut: number;
  /** HTTP requests sent (a WebSocket upgrade is one). */
  requests: number;
  /** TCP connections opened. */
  tcpConnects: number;
}

/**
 * Counts what a set of clients puts on the wire, at the TCP socket: a socket's counters include
 * every header and frame, so WebSocket and HTTP long polling are measured the same way.
 */
export class WireMeter {
  private readonly live = new Set<Socket>();
  private readonly seen = new WeakSet<Socket>();
  private closedIn = 0;
  private closedOut = 0;
  private requests = 0;
  private tcpConnects = 0;

  /** A socket carrying this client's traffic (counted once however often it is reused). */
  track(socket: Socket): void {
    if (this.seen.has(socket)) return;
    this.seen.add(socket);
    this.tcpConnects++;
    this.live.add(socket);
    socket.once('close', () => {
      this.live.delete(socket);
      this.closedIn += socket.bytesRead;
      this.closedOut += socket.bytesWritten;
    });
  }

  request(): void {
    this.requests++;
  }

  totals(): WireTotals {
    let bytesIn = this.closedIn;
    let bytesOut = this.closedOut;
    for (const s of this.live) {
      bytesIn += s.bytesRead;
      bytesOut += s.bytesWritten;
    }
    return { bytesIn, bytesOut, requests: this.requests, tcpConnects: this.tcpConnects };
  }
}

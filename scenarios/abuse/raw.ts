import net from 'node:net';

export interface RawAnswer {
  /** HTTP status of the answer, 0 when the server closed without one (or the time ran out). */
  status: number;
  text: string;
}

/**
 * Sends bytes no HTTP client would build (a bad request line, a forged handshake) to a
 * 127.0.0.1 port and reads the answer's status line. `dripMs` sends the request a byte at a
 * time with that pause (a slow-drip client); `timeoutMs` bounds the whole exchange.
 */
export function rawRequest(url: string, text: string, o: { timeoutMs?: number; dripMs?: number; keepOpenMs?: number } = {}): Promise<RawAnswer> {
  const { port, hostname } = new URL(url);
  return new Promise((resolve) => {
    let got = '';
    let done = false;
    const s = net.connect(Number(port), hostname);
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
      resolve({ status: m ? Number(m[1]) : 0, text: got });
    };
    const timer = setTimeout(finish, o.timeoutMs ?? 5000);
    s.on('connect', () => {
      if (!o.dripMs) return void s.write(text);
      let i = 0;
      const drip = setInterval(() => {
        if (done || i >= text.length || s.destroyed) return clearInterval(drip);
        s.write(text[i++]!);
      }, o.dripMs);
    });
    s.on('data', (d) => {
      got += d.toString('latin1');
      // an upgrade answer leaves the socket open: the status line is all we need
      if (/\r\n\r\n/.test(got) && !o.keepOpenMs) finish();
    });
    s.on('close', finish);
    s.on('error', finish);
  });
}

/** A WebSocket handshake by hand, so its headers can be wrong on purpose. */
export function handshake(token: string | null, headers: Record<string, string> = {}, path = '/v1/ws'): string {
  const all: Record<string, string> = {
    Host: '127.0.0.1',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version': '13',
    ...(token ? { Authorization: `Bearer ${token}` } : {}),
    ...headers,
  };
  return `GET ${path} HTTP/1.1\r\n${Object.entries(all)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;
}

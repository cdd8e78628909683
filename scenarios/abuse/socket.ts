import { WebSocket } from 'ws';

/** A bare socket for hostile frames: records frames, resolves on close or when the handshake is refused. */
export interface AbuseSocket {
  ws: WebSocket;
  frames: any[];
  closed: Promise<number>;
  waitFor(pred: (f: any) => boolean, timeoutMs?: number): Promise<any | null>;
  close(): void;
}

/** Opens a socket, or resolves with the HTTP status of a refused upgrade. */
export function openSocket(baseUrl: string, token: string | null): Promise<AbuseSocket | { refused: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/ws`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    const frames: any[] = [];
    const waiters = new Set<() => void>();
    ws.on('message', (d) => {
      try {
        frames.push(JSON.parse(d.toString()));
      } catch {
        frames.push({ type: 'unparseable' });
      }
      for (const w of waiters) w();
    });
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.on('unexpected-response', (_req, res) => {
      resolve({ refused: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.on('error', () => resolve({ refused: 0 }));
    ws.on('open', () =>
      resolve({
        ws,
        frames,
        closed,
        close: () => ws.close(),
        waitFor: (pred, timeoutMs = 5000) =>
          new Promise((res) => {
            const check = () => {
              const f = frames.find(pred);
              if (f) {
                waiters.delete(check);
                clearTimeout(t);
                res(f);
              }
            };
            const t = setTimeout(() => {
              waiters.delete(check);
              res(null);
            }, timeoutMs);
            waiters.add(check);
            check();
          }),
      }),
    );
  });
}

export function isOpen(s: AbuseSocket | { refused: number }): s is AbuseSocket {
  return 'ws' in s;
}

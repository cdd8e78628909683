import { WebSocket } from 'ws';
import { sumMetricText } from '../../src/core/index.js';

export interface TestSocket {
  ws: WebSocket;
  frames: any[];
  closed: Promise<{ code: number; reason: string }>;
  send(frame: unknown): void;
  sendRaw(data: string): void;
  waitFor(pred: (frame: any) => boolean, timeoutMs?: number, what?: string): Promise<any>;
  waitForCount(pred: (frame: any) => boolean, n: number, timeoutMs?: number): Promise<any[]>;
  close(): void;
}

/** A bare protocol client for tests: records every frame it receives. */
export function connect(baseUrl: string, token: string | null): Promise<TestSocket> {
  const url = `${baseUrl.replace(/^http/, 'ws')}/v1/ws`;
  const ws = new WebSocket(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const frames: any[] = [];
  const listeners = new Set<() => void>();
  ws.on('message', (data) => {
    frames.push(JSON.parse(data.toString()));
    for (const l of listeners) l();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const socket: TestSocket = {
    ws,
    frames,
    closed,
    send: (frame) => ws.send(JSON.stringify(frame)),
    sendRaw: (data) => ws.send(data),
    waitFor: (pred, timeoutMs = 10_000, what = 'a frame') => socket.waitForCount(pred, 1, timeoutMs).then((f) => f[0], (e) => Promise.reject(new Error(`${what}: ${e.message}`))),
    waitForCount: (pred, n, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = frames.filter(pred);
          if (found.length >= n) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out: ${frames.filter(pred).length}/${n} matching frames after ${timeoutMs} ms`));
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
    close: () => ws.close(),
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(socket));
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
}

/** Sum of a Prometheus counter (all label sets matching `labels`) scraped from `url`/metrics. */
export async function scrapeMetric(url: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  return sumMetricText(await (await fetch(`${url}/metrics`)).text(), name, labels);
}

/**
 * "Moved to a new phone": an empty local store filled from the server with the WebSocket
 * `sync` frame (docs/protocol.md), each conversation from the store's last id (0 at first) page by
 * page, then indexed in one go. Its own connection, as a new device of the same user is.
 */
import { performance } from 'node:perf_hooks';
import { LeanWebSocket } from './lean-websocket.js';
import { wsUrlOf } from './link.js';
import type { LocalMessage, LocalStore } from './local-store.js';

export interface RebuildResult {
  /** Messages the new store holds. */
  messages: number;
  /** Time to fetch and store every page, ms. */
  syncMs: number;
  /** Time to build the full-text index, ms. */
  reindexMs: number;
  /** Bytes of the `sync_result` frames received. */
  syncBytes: number;
  /** The store's size on disk afterwards. */
  storeBytes: number;
  syncPages: number;
}

export interface RebuildOptions {
  /** Gateway base URL (http://…). */
  gateway: string;
  token: string;
  conversations: readonly string[];
  store: LocalStore;
  pageSize?: number;
  localAddress?: string;
  /** Gives up after this long (ms). */
  timeoutMs?: number;
}

export async function rebuildFromSync(o: RebuildOptions): Promise<RebuildResult> {
  const deadline = Date.now() + (o.timeoutMs ?? 120_000);
  let syncBytes = 0;
  let syncPages = 0;
  let waiting: ((f: { type: string } & Record<string, any>) => void) | null = null;
  let opened!: () => void;
  let failed!: (err: Error) => void;
  const ready = new Promise<void>((resolve, reject) => ((opened = resolve), (failed = reject)));
  const ws = new LeanWebSocket(
    wsUrlOf(o.gateway),
    {
      onOpen: () => opened(),
      onText(data) {
        const f = JSON.parse(data.toString()) as { type: string } & Record<string, any>;
        if (f.type !== 'sync_result' && f.type !== 'error') return; // live traffic for the old phone: not this one's job
        if (f.type === 'sync_result') syncBytes += data.length;
        waiting?.(f);
      },
      onClose: (code) => failed(new Error(`the new phone's WebSocket closed (${code})`)),
    },
    { headers: { authorization: `Bearer ${o.token}` }, localAddress: o.localAddress },
  );
  await ready;
  const page = (conversationId: string, after: string) =>
    new Promise<{ type: string } & Record<string, any>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no sync_result for ${conversationId} within 30 s`)), 30_000);
      waiting = (f) => {
        clearTimeout(timer);
        waiting = null;
        resolve(f);
      };
      ws.send(JSON.stringify({ type: 'sync', conversationId, after, limit: o.pageSize ?? 200 }));
    });
  try {
    const t0 = performance.now();
    for (const conversationId of o.conversations) {
      for (;;) {
        if (Date.now() > deadline) throw new Error('new-phone rebuild timed out');
        const f = await page(conversationId, o.store.lastId(conversationId));
        if (f.type === 'error') {
          // storage could not serve the page (a fault): ask again for the same one
          await new Promise((r) => setTimeout(r, 500));
          continue;
        }
        syncPages++;
        o.store.addMany(f['messages'] as LocalMessage[], { index: false });
        if (!f['hasMore']) break;
      }
    }
    const t1 = performance.now();
    const messages = o.store.reindex();
    const t2 = performance.now();
    return { messages, syncMs: t1 - t0, reindexMs: t2 - t1, syncBytes, storeBytes: o.store.bytes(), syncPages };
  } finally {
    ws.terminate();
  }
}

/**
 * `ws`'s WebSocket, required as CommonJS: its ES module wrapper cost a load worker ~2.5 MB of
 * RSS per process (measured on Node 20, issue 11).
 */
import { createRequire } from 'node:module';

export const { WebSocket } = createRequire(import.meta.url)('ws') as typeof import('ws');
export type WebSocket = import('ws').WebSocket;

import type { Message, Rng } from '../core/lean/index.js';
import type { BackoffOptions } from './backoff.js';
import type { Transport } from './link.js';
import type { LocalStore } from './local-store.js';
import type { WireMeter } from './wire-meter.js';

/** What a recorder needs of the simulated client that reports (a SimClient, src/client/sim-client.ts). */
export interface RecordedClient {
  readonly userId: string;
}

export type SimMessage = Message;

/** What a simulated client reports; the load worker turns it into history and stats. */
export interface ClientRecorder {
  now(): number;
  sent(c: RecordedClient, conversationId: string, clientMsgId: string, intendedAt: number, sentAt: number, resend: boolean): void;
  acked(c: RecordedClient, conversationId: string, clientMsgId: string, messageId: string, at: number): void;
  /** raw: as it hit the socket; app: after merge/dedupe (what the user saw). */
  delivered(c: RecordedClient, m: SimMessage, at: number, app: boolean, viaSync: boolean): void;
  connectAttempt(c: RecordedClient): void;
  connected(c: RecordedClient, reconnect: boolean): void;
  disconnected(c: RecordedClient, code: number): void;
  syncRequest(c: RecordedClient): void;
  presence?(c: RecordedClient, userId: string, status: string, at: number): void;
  receipt?(c: RecordedClient, conversationId: string, userId: string, messageId: string, at: number): void;
  /** A `deleted` frame: a message of one of this client's conversations was deleted. */
  deleted?(c: RecordedClient, conversationId: string, messageId: string, at: number): void;
  /** A `member` frame (someone joined or left a conversation this client is in). */
  member?(c: RecordedClient, frame: MemberFrameSeen, at: number): void;
  error(c: RecordedClient, code: string, message: string): void;
}

export interface MemberFrameSeen {
  conversationId: string;
  userId: string;
  change: 'joined' | 'left';
  messageId: string;
}

export interface SimClientOptions {
  userId: string;
  token: string;
  /** Gateway base URLs (http://...); the client starts at `gatewayIndex` and moves on after a failure. */
  gateways: string[];
  gatewayIndex: number;
  conversations: string[];
  backoff: BackoffOptions;
  rng: Rng;
  recorder: ClientRecorder;
  /** Source address (127.0.0.x) when one address runs out of ports. */
  localAddress?: string;
  syncPageSize?: number;
  /** Send a `read` for every message shown (the reader's watermark follows along). */
  autoRead?: boolean;
  /** The phone's own store (local search): every message shown or acked goes in. */
  localStore?: LocalStore;
  /** WebSocket (default) or HTTP long polling. */
  transport?: Transport;
  /** Counts bytes, requests and TCP connections on the wire. */
  meter?: WireMeter;
}

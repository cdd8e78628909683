import type { BackoffOptions, Transport } from '../../client/index.js';

/** Messages between the engine and its load worker processes (IPC, JSON). */

export interface WorkerClientSpec {
  userId: string;
  token: string;
  conversations: string[];
  gatewayIndex: number;
}

export type EngineToWorker =
  | {
      type: 'init';
      workerId: number;
      gateways: string[];
      backoff: BackoffOptions;
      seed: number;
      clients: WorkerClientSpec[];
      /** Keep every delivery for the checker (small runs); otherwise counts and latency only. */
      recordHistory: boolean;
      bodyBytes: number;
      /** Each client sends a `read` for every message it is shown (read-receipts load). */
      autoRead?: boolean;
      /** Spread sources over 127.0.0.x above this many connections per address. */
      connectionsPerAddress: number;
      /** Bodies of words (English and Chinese) with a token unique to each message (search load). */
      searchBodies?: boolean;
      /** Each client keeps a local SQLite store (local search) in this folder. */
      localStoreDir?: string;
      /** WebSocket (default) or HTTP long polling. */
      transport?: Transport;
    }
  | { type: 'connect'; perSecond: number }
  /** Open model: `perSecond` new messages, each from a random client to one of its conversations. */
  | { type: 'rate'; perSecond: number; senders?: string[] }
  /** Closed model: each sender sends its next message `thinkMs` after the previous one was acked. */
  | { type: 'closed'; thinkMs: number; senders?: string[] }
  | { type: 'send'; userId: string; conversationId: string; count: number }
  | { type: 'drop'; fraction: number }
  | { type: 'flap'; fraction: number; everyMs: number; untilMs: number }
  | { type: 'read'; userId: string; conversationId: string; messageId: string }
  /** The app changed a member (the engine made the change): the client learns it even if its socket missed the frame. */
  | { type: 'member'; userId: string; conversationId: string; change: 'joined' | 'left'; messageId: string }
  | { type: 'disconnect'; users: string[] }
  | { type: 'reconnect'; users: string[] }
  | { type: 'collect' }
  /** Searches clients' local stores; answered by `local-results` in the same order. */
  | { type: 'local-search'; queries: LocalQuery[] }
  /** These clients move to a new phone: empty store, rebuilt from sync, reindexed; answered by `rebuilt`. */
  | { type: 'new-phone'; users: string[] }
  /** Answered by `local-stats`: each client's store size. */
  | { type: 'local-stats' }
  | { type: 'stop' };

export interface WorkerTick {
  type: 'tick';
  workerId: number;
  at: number;
  connected: number;
  waiting: number;
  pendingAcks: number;
  syncing: number;
  sends: number;
  acks: number;
  deliveries: number;
  rawDeliveries: number;
  connectAttempts: number;
  connects: number;
  reconnects: number;
  disconnects: number;
  syncRequests: number;
  presence: number;
  receipts: number;
  errors: number;
  /** On the wire since the last tick, at the TCP sockets (headers and framing included). */
  bytesIn: number;
  bytesOut: number;
  /** HTTP requests (a WebSocket upgrade is one) and TCP connections opened since the last tick. */
  httpRequests: number;
  tcpConnects: number;
  /** When each connect attempt, accepted connect and sync request of this second happened (epoch ms): peaks at 100 ms resolution. */
  connectTimes: number[];
  acceptTimes: number[];
  syncTimes: number[];
  /** This second's app-level send→deliver latency (encoded HDR histogram). */
  histogram: string;
}

export interface SendRow {
  s: string; // sender
  c: string; // conversation
  m: string; // clientMsgId
  i: number; // intendedAt
  t: number; // sentAt
  id?: string; // messageId once acked
  a?: number; // ackedAt
}

export interface DeliveryRow {
  r: string; // recipient
  c: string;
  id: string;
  m: string;
  t: number; // receivedAt
  raw?: 1;
  sync?: 1;
  /** intendedAt from the body, for first/last recipient latency */
  i?: number;
}

/** A `member` frame as a client got it. */
export interface MemberRow {
  r: string; // recipient
  c: string;
  u: string; // the user who joined or left
  ch: 'joined' | 'left';
  id: string; // the change's id
  t: number; // receivedAt
}

export interface WorkerCollected {
  type: 'collected';
  workerId: number;
  sends: SendRow[];
  deliveries: DeliveryRow[];
  /** Member frames received (when history is recorded). */
  members?: MemberRow[];
  histogram: string;
  presence: Array<{ to: string; user: string; status: string; at: number }>;
  receipts: Array<{ to: string; conv: string; user: string; id: string; at: number }>;
  errorSamples: string[];
}

export interface LocalQuery {
  /** The engine's number for it, echoed back. */
  n: number;
  userId: string;
  q: string;
  conversationId?: string;
}

export interface LocalQueryResult {
  n: number;
  /** Each hit's conversation and message id. */
  hits: Array<{ c: string; id: string }>;
  /** SQLite's time, ms; -1 when the client has no store. */
  ms: number;
}

export interface LocalStoreStats {
  userId: string;
  messages: number;
  bytes: number;
  /** Messages added while the client ran, and the time adding (and indexing) them took, ms. */
  added: number;
  addMs: number;
}

export type LocalReply =
  | { type: 'local-results'; workerId: number; results: LocalQueryResult[] }
  | { type: 'rebuilt'; workerId: number; results: Array<{ userId: string; error?: string } & import('../../client/index.js').RebuildResult> }
  | { type: 'local-stats'; workerId: number; stores: LocalStoreStats[] };

export type WorkerToEngine = WorkerTick | WorkerCollected | LocalReply | { type: 'ready'; workerId: number } | { type: 'done'; op: string };

import type http from 'node:http';
import { ChatlabError, ErrorCodes, counter, gauge, sendJson, verifyToken, type RouteHandler } from '../core/index.js';
import { tokenFromRequest } from './auth.js';
import { Connection } from './connection.js';
import type { GatewayContext } from './context.js';
import { authenticate, methodNotAllowed, readBody, sendApiError } from './http-api.js';
import { LONGPOLL, matchLongPollPath, parseAck, parseFramesBody, parseWaitMs } from './longpoll-request.js';
import { LongPollSession, pollBody } from './longpoll-session.js';

/** What the gateway lends the long-poll transport: the same admission and routing as an upgrade. */
export interface LongPollHost {
  ctx: GatewayContext;
  secret: string;
  draining(): boolean;
  /** Reserves routing for a new connection of the user, or says which status refuses it (429, 503). */
  admit(userId: string): Promise<number | null>;
  /** The connection is open: route to it, announce it; returns what to call once it has ended. */
  opened(conn: Connection): () => void;
  log(line: string): void;
}

interface Entry {
  session: LongPollSession;
  conn: Connection;
  /** The token the session was opened with: each poll and POST checks it has not expired. */
  token: string;
}

/**
 * Long polling (docs/protocol.md, "Long polling"), the transport for clients that cannot keep a
 * WebSocket: `POST /v1/lp` opens a session (a Connection like a socket's, on the same routing),
 * `GET /v1/lp/<id>?wait=ms` takes the frames buffered since the last poll (waiting for one),
 * `POST /v1/lp/<id>` carries client frames, `DELETE /v1/lp/<id>` closes. The session id is the
 * capability (as engine.io's sid): only the open needs the bearer token.
 */
export function longPollApi(host: LongPollHost): { handler: RouteHandler; sweep(now: number): void } {
  const { ctx } = host;
  const sessions = new Map<string, Entry>();
  const requests = counter(ctx.metrics.registry, 'chatlab_longpoll_requests_total', 'long-poll HTTP requests, by kind (open, poll, frames, close)', ['kind']);
  gauge(ctx.metrics.registry, 'chatlab_longpoll_sessions', 'open long-poll sessions', [], (g) => g.set([...sessions.values()].filter((e) => e.session.open).length));

  async function open(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method !== 'POST') throw methodNotAllowed(res, 'POST');
    const userId = authenticate(req, host.secret);
    const token = tokenFromRequest(req)!;
    if (host.draining()) return refuse(res, 503, ErrorCodes.UNAVAILABLE, 'the gateway is restarting: open a session on another');
    const refused = await host.admit(userId);
    if (refused === 429) throw new ChatlabError(ErrorCodes.RATE_LIMITED, `at most ${ctx.options.maxConnectionsPerUser} connections per user on one gateway`);
    if (refused !== null) return refuse(res, 503, ErrorCodes.UNAVAILABLE, 'could not route a new session, try again');
    const session = new LongPollSession();
    const conn = new Connection(ctx, session, userId);
    session.onAlive = () => conn.alive();
    sessions.set(session.id, { session, conn, token });
    const ended = host.opened(conn);
    session.onEnd = ended;
    sendJson(res, 201, { sessionId: session.id, waitMs: LONGPOLL.defaultWaitMs, maxWaitMs: LONGPOLL.maxWaitMs });
  }

  function poll(res: http.ServerResponse, entry: Entry, waitMs: number, ack: number | undefined): void {
    let answered = false;
    const accepted = entry.session.poll((a) => {
      answered = true;
      if (entry.session.finished) sessions.delete(entry.session.id);
      const body = pollBody(a);
      if (res.destroyed) return;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length, 'cache-control': 'no-store' });
      res.end(body);
    }, waitMs, Date.now(), ack);
    if (!accepted) return refuse(res, 409, ErrorCodes.CONFLICT, 'a poll is already waiting on this session');
    res.on('close', () => {
      if (!answered) entry.session.cancelPoll();
    });
  }

  const handler: RouteHandler = async (req, res, url) => {
    let path;
    try {
      path = matchLongPollPath(url.pathname);
    } catch (err) {
      sendApiError(req, res, url, err, host.log);
      return true;
    }
    if (!path) return false;
    try {
      if (path.kind === 'open') {
        requests.inc({ kind: 'open' });
        await open(req, res);
        return true;
      }
      const entry = sessions.get(path.sessionId);
      const kind = req.method === 'GET' ? 'poll' : req.method === 'POST' ? 'frames' : req.method === 'DELETE' ? 'close' : null;
      if (!kind) throw methodNotAllowed(res, 'GET, POST, DELETE');
      requests.inc({ kind });
      if (!entry || entry.session.finished) throw new ChatlabError(ErrorCodes.NOT_FOUND, 'no such long-poll session (it ended or expired): open a new one and sync');
      if (kind !== 'close' && !verifyToken(entry.token, host.secret).ok) {
        // as a WebSocket would be refused at its next upgrade: the session ends here
        entry.conn.close(1008, 'token expired', 'token_expired');
        entry.session.terminate();
        sessions.delete(path.sessionId);
        throw new ChatlabError(ErrorCodes.UNAUTHORIZED, 'the token this session was opened with has expired: open a new session with a fresh token, then sync');
      }
      if (kind === 'poll') return poll(res, entry, parseWaitMs(url.searchParams), parseAck(url.searchParams)), true;
      if (kind === 'close') {
        entry.conn.close(1000, 'closed by the client', 'client');
        // nobody will poll for that close
        if (!entry.session.polling) {
          entry.session.terminate();
          sessions.delete(path.sessionId);
        }
        res.writeHead(204).end();
        return true;
      }
      const frames = parseFramesBody(await readBody(req, LONGPOLL.maxBodyBytes), ctx.options.maxFrameBytes);
      if (!entry.session.open) throw new ChatlabError(ErrorCodes.NOT_FOUND, 'the long-poll session is closing: poll for its close, then open a new one');
      for (const frame of frames) entry.conn.receiveParsed(frame);
      sendJson(res, 202, { accepted: frames.length });
    } catch (err) {
      sendApiError(req, res, url, err, host.log);
    }
    return true;
  };

  return {
    handler,
    /** Drops sessions whose close nobody came to take within a ping interval (the live ones expire by the connection's liveness check). */
    sweep(now: number) {
      for (const [id, { session }] of sessions) {
        if (session.finished) sessions.delete(id);
        else if (!session.open && !session.polling && now - session.lastPollAt > ctx.options.pingIntervalMs) {
          session.terminate();
          sessions.delete(id);
        }
      }
    },
  };
}

function refuse(res: http.ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

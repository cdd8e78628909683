import { ChatlabError, ErrorCodes, type MembersResponse } from '../core/index.js';

export type MemberChange = MembersResponse['changes'][number];

/** One answered member change request, as the app that made it saw it. */
export interface MemberChangeDone {
  conversationId: string;
  changes: MemberChange[];
  /** Epoch ms: the first attempt went out, and the answer came. */
  requestedAt: number;
  answeredAt: number;
  attempts: number;
}

/** Statuses worth trying again (a gateway down, Redis restarting, the rate limit): anything else is the scenario's bug. */
const RETRY = new Set([429, 502, 503, 504]);
const GIVE_UP_MS = 90_000;

/**
 * One HTTP call as `token`'s user on the gateways in turn from `first`: a gateway that is down
 * or answers 429/502/503/504 is tried again (the next one, after a growing pause) until one
 * answers or 90 s are over. `accept` decides what else ends the call: the status is returned;
 * anything it refuses is the scenario's bug (CHATLAB_E_SCENARIO).
 */
async function callGateways(gateways: readonly string[], first: number, token: string, call: { method: string; path: string; body?: string }, accept: (status: number, attempt: number) => boolean): Promise<{ status: number; text: string; attempts: number }> {
  const startedAt = Date.now();
  for (let attempt = 0; ; attempt++) {
    const base = gateways[(first + attempt) % gateways.length]!;
    let status = 0;
    let text = '';
    try {
      const res = await fetch(`${base}${call.path}`, {
        method: call.method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(call.body ? { body: call.body } : {}),
        signal: AbortSignal.timeout(10_000),
      });
      status = res.status;
      text = await res.text();
    } catch {
      status = 0; // the gateway is down or did not answer in time
    }
    if (status !== 0 && accept(status, attempt)) return { status, text, attempts: attempt + 1 };
    if ((status !== 0 && !RETRY.has(status)) || Date.now() - startedAt > GIVE_UP_MS) {
      throw new ChatlabError(ErrorCodes.SCENARIO, `${call.method} ${call.path}: ${status || 'no answer'} ${text.slice(0, 200)}`);
    }
    await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt)));
  }
}

/**
 * `POST /v1/conversations/:id/members` (joined) or one `DELETE .../members/:userId` per user
 * (left), as `token`'s user (see callGateways for the retries).
 * A retried join whose first attempt was applied answers no change: the run's membership
 * then comes from what the stack recorded (VariantContext reads it back before checking).
 */
export async function requestMemberChange(gateways: readonly string[], first: number, token: string, conversationId: string, change: 'joined' | 'left', userIds: readonly string[]): Promise<MemberChangeDone> {
  const requestedAt = Date.now();
  const path = `/v1/conversations/${encodeURIComponent(conversationId)}/members`;
  const calls = change === 'joined' ? [{ method: 'POST', path, body: JSON.stringify({ userIds }) }] : userIds.map((u) => ({ method: 'DELETE', path: `${path}/${encodeURIComponent(u)}` }));
  const changes: MemberChange[] = [];
  let attempts = 0;
  for (const call of calls) {
    // a leave retried after its first attempt was applied: the user is no longer there (403: it was the caller)
    const done = await callGateways(gateways, first, token, call, (status, attempt) => status === 200 || ((status === 404 || status === 403) && call.method === 'DELETE' && attempt > 0));
    attempts += done.attempts;
    if (done.status === 200) changes.push(...((JSON.parse(done.text) as MembersResponse).changes ?? []));
  }
  return { conversationId, changes, requestedAt, answeredAt: Date.now(), attempts };
}

/** `POST /v1/conversations` as `token`'s user on the gateway `first` (then the others, as above): the new conversation's id. */
export async function requestCreate(gateways: readonly string[], first: number, token: string, members: readonly string[], name?: string): Promise<{ conversationId: string; requestedAt: number }> {
  const requestedAt = Date.now();
  const done = await callGateways(gateways, first, token, { method: 'POST', path: '/v1/conversations', body: JSON.stringify({ members, ...(name ? { name } : {}) }) }, (status) => status === 201);
  return { conversationId: (JSON.parse(done.text) as { conversationId: string }).conversationId, requestedAt };
}

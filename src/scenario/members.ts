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
 * `POST /v1/conversations/:id/members` (joined) or one `DELETE .../members/:userId` per user
 * (left), as `token`'s user, on the gateways in turn from `first`: a gateway that is down or
 * answers 429/503 is tried again (the next one, after a growing pause) until one answers.
 * A retried join whose first attempt was applied answers no change: the run's membership
 * then comes from what the stack recorded (VariantContext reads it back before checking).
 */
export async function requestMemberChange(gateways: readonly string[], first: number, token: string, conversationId: string, change: 'joined' | 'left', userIds: readonly string[]): Promise<MemberChangeDone> {
  const requestedAt = Date.now();
  const calls: Array<{ method: string; path: string; body?: string }> = change === 'joined' ? [{ method: 'POST', path: '', body: JSON.stringify({ userIds }) }] : userIds.map((u) => ({ method: 'DELETE', path: `/${encodeURIComponent(u)}` }));
  const changes: MemberChange[] = [];
  let attempts = 0;
  for (const call of calls) {
    for (let attempt = 0; ; attempt++) {
      attempts++;
      const base = gateways[(first + attempt) % gateways.length]!;
      let status = 0;
      let text = '';
      try {
        const res = await fetch(`${base}/v1/conversations/${encodeURIComponent(conversationId)}/members${call.path}`, {
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
      if (status === 200) {
        changes.push(...((JSON.parse(text) as MembersResponse).changes ?? []));
        break;
      }
      // a leave retried after its first attempt was applied: the user is no longer there (403: it was the caller)
      if ((status === 404 || status === 403) && call.method === 'DELETE' && attempt > 0) break;
      if ((status !== 0 && !RETRY.has(status)) || Date.now() - requestedAt > GIVE_UP_MS) {
        throw new ChatlabError(ErrorCodes.SCENARIO, `${call.method} members of ${conversationId}: ${status || 'no answer'} ${text.slice(0, 200)}`);
      }
      await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt)));
    }
  }
  return { conversationId, changes, requestedAt, answeredAt: Date.now(), attempts };
}

import crypto from 'node:crypto';
import { z } from 'zod';
import { signToken } from '../src/core/index.js';
import type { ScenarioDefinition } from '../src/scenario/index.js';
import { readState } from '../src/stack/index.js';
import { changedStored, chatAttacks } from './abuse/chat-attacks.js';
import { badUpgrades, httpLimits, malformedHttp, slowDrip, type Target } from './abuse/http-attacks.js';
import { Tally } from './abuse/tally.js';
import { chunk, clientsFor, userIds } from './common.js';
import { abuseFinding } from './findings/others.js';

const params = z.object({
  clients: z.coerce.number().int().min(4).max(2000).default(12),
  groupSize: z.coerce.number().int().min(3).max(100).default(4),
  ratePerSec: z.coerce.number().min(1).default(20),
  /** How many of each hostile input per target (per process for HTTP, per gateway for upgrades). */
  perClass: z.coerce.number().int().min(1).max(50).default(3),
  /** Unauthenticated connections opened at once per gateway. */
  flood: z.coerce.number().int().min(1).max(2000).default(100),
  workers: z.coerce.number().int().min(1).max(8).default(1),
});
type Params = z.infer<typeof params>;

/**
 * While normal traffic flows, every process of the stack gets what a hostile or broken client
 * sends (malformed requests, bad handshakes, floods, bad tokens, frames it may not send).
 * Nothing may crash, lose, duplicate or rewrite a message, and each input gets its documented
 * answer. Targets only the stack's own 127.0.0.1 ports; counts and time are bounded.
 */
export const scenario: ScenarioDefinition<Params> = {
  name: 'abuse',
  description: 'Hostile inputs at every process while traffic flows: all healthy, lost 0, duplicates 0, no stored message changed, each input answered with its documented code.',
  params,
  thresholds: ['lost == 0', 'duplicates == 0', 'abuse.unhealthy == 0', 'abuse.storedChanged == 0', 'abuse.unexpectedAnswers == 0', 'peakConnections > 0', 'acked > 0', 'delivered > 0'],
  finding: abuseFinding,
  paramDocs: {
    clients: 'well-behaved clients sending while the attacks run',
    groupSize: 'members per conversation of the normal traffic',
    ratePerSec: 'normal messages per second',
    perClass: 'hostile inputs of each class per target',
    flood: 'unauthenticated connections opened at once per gateway',
    workers: 'load-worker processes',
  },
  async run(ctx, p) {
    const state = readState(ctx.stateDir)!;
    const services: Target[] = state.services.filter((s) => s.url.startsWith('http://127.0.0.1:')).map((s) => ({ name: s.name, url: s.url, kind: s.kind }));
    const gateways = services.filter((s) => s.kind === 'gateway');
    const tokenOf = (u: string) => signToken(u, state.secret);

    const users = userIds(ctx.prefix, p.clients);
    const convs = await ctx.createConversations(chunk(users, p.groupSize));
    const [a, b, outsider] = [`${ctx.prefix}-atk-a`, `${ctx.prefix}-atk-b`, `${ctx.prefix}-atk-out`];
    const [own] = await ctx.createConversations([[a, b, `${ctx.prefix}-atk-c`]]);
    const pool = await ctx.startClients(clientsFor(users, convs), { workers: p.workers });
    ctx.phase(`connect ${p.clients} clients, flow ${p.ratePerSec} msg/s`);
    await pool.all({ type: 'connect', perSecond: 200 });
    await pool.all({ type: 'rate', perSecond: p.ratePerSec / p.workers });
    await ctx.sleep(1000);

    const t = new Tally();
    const tokens = {
      valid: tokenOf(a),
      expired: signToken(a, state.secret, { ttlSec: 1, now: Date.now() - 60_000 }),
      forged: signToken(a, crypto.randomBytes(24).toString('hex')),
    };
    ctx.phase('hostile inputs at every process');
    const gw = gateways[0]!.url;
    const [, , , snapshot] = await Promise.all([
      slowDrip(t, services, 1),
      malformedHttp(t, services, gateways, tokens.valid, p.perClass),
      badUpgrades(t, gateways, tokens, p.flood),
      chatAttacks(t, { gateway: gw, redisUrl: ctx.endpoints.redis.url, loadConversation: convs[0]!.conversationId, own: { conversationId: own!.conversationId, a, b }, tokenOf, outsider }, p.perClass),
    ]);
    await httpLimits(t, gw, { a: b, conversationId: own!.conversationId, tokenOf }, p.perClass);

    ctx.phase('quiesce and check');
    await ctx.quiesce(pool);
    const { checker } = await ctx.check(pool);
    let unhealthy = 0;
    for (const s of services) {
      const ok = await fetch(`${s.url}/healthz`).then((r) => r.status === 200, () => false);
      if (!ok) {
        unhealthy++;
        ctx.info(`UNHEALTHY after abuse: ${s.name}`);
      }
    }
    const storedChanged = await changedStored(gw, tokenOf(a), own!.conversationId, snapshot);
    for (const line of t.lines()) ctx.info(line);
    ctx.phase(`checked: ${t.count} hostile inputs, ${t.unexpected} unexpected answers, ${unhealthy} unhealthy, ${storedChanged} stored messages changed`);
    const measures: Record<string, number> = {
      'abuse.inputs': t.count,
      'abuse.unexpectedAnswers': t.unexpected,
      'abuse.unhealthy': unhealthy,
      'abuse.storedChanged': storedChanged,
    };
    for (const r of t.rows.values()) {
      measures[`abuse.${r.inputClass}.count`] = r.count;
      measures[`abuse.${r.inputClass}.unexpected`] = r.unexpected;
    }
    return { checker, measures };
  },
};

import { z } from 'zod';
import { MetricNames } from '../src/core/index.js';
import { TRANSPORTS } from '../src/client/index.js';
import type { ScenarioDefinition } from '../src/scenario/index.js';
import { readState } from '../src/stack/index.js';
import { chunk, clientsFor, cpuOf, userIds } from './common.js';
import { transportFinding } from './findings/transport.js';

const params = z.object({
  clients: z.coerce.number().int().min(3).max(20_000).default(40),
  groupSize: z.coerce.number().int().min(2).default(4),
  ratePerSec: z.coerce.number().min(1).default(40),
  durationSec: z.coerce.number().min(1).default(10),
  transport: z.enum(TRANSPORTS).default('ws'),
  workers: z.coerce.number().int().min(1).max(16).default(2),
});
type Params = z.infer<typeof params>;

const LONGPOLL_REQUESTS = 'chatlab_longpoll_requests_total';

/**
 * The design's first sentence: WebSocket rather than polling, for handshake overhead and
 * latency. The same clients and the same open-model load, once over WebSockets and once over
 * HTTP long polling (docs/protocol.md, "Long polling"), both on the same gateway routing.
 * Measured over the load window: one-way latency, gateway CPU per delivered message, bytes on
 * the wire per delivered message (both directions, at the clients' TCP sockets, so HTTP headers
 * and WebSocket framing count), and HTTP requests and TCP connections per second.
 */
export const scenario: ScenarioDefinition<Params> = {
  name: 'transport',
  description: 'WebSocket vs HTTP long polling on the same routing: one-way latency, gateway CPU and bytes on the wire per delivered message, HTTP requests and connections per second.',
  params,
  defaultSets: { transport: ['ws', 'longpoll'] },
  thresholds: ['lost == 0', 'duplicates == 0', 'transportUsed == 1', 'peakConnections > 0', 'acked > 0', 'delivered > 0'],
  finding: transportFinding,
  paramDocs: {
    clients: 'simulated users',
    groupSize: 'members per conversation',
    ratePerSec: 'messages per second (open model)',
    durationSec: 'how long messages flow (the measured window)',
    transport: 'ws: one WebSocket per client; longpoll: HTTP long polling (a poll always waiting, frames POSTed)',
    workers: 'load worker processes',
  },
  measures: {
    cpuUsPerDelivered: 'gateway processes\' CPU per message delivered, µs',
    clientCpuUsPerDelivered: 'load workers\' CPU (the simulated clients) per message delivered, µs: a transport costs the phone too, and a starved generator inflates latency',
    bytesPerDelivered: 'bytes on the wire (both directions, headers and framing included) per message delivered',
    bytesInPerDelivered: 'bytes the clients received per message delivered',
    bytesOutPerDelivered: 'bytes the clients sent per message delivered',
    requestsPerSec: 'HTTP requests per second (a WebSocket upgrade is one)',
    tcpConnectsPerSec: 'TCP connections opened per second',
    deliveredInWindow: 'messages shown to recipients during the window',
    transportUsed: '1 when the gateway saw the traffic on the transport asked for (long-poll requests for longpoll, none for ws)',
  },
  better: { deliveredInWindow: 'higher', transportUsed: 'higher' },
  async run(ctx, p) {
    const users = userIds(ctx.prefix, p.clients);
    const convs = await ctx.createConversations(chunk(users, p.groupSize));
    const pool = await ctx.startClients(clientsFor(users, convs), { workers: p.workers, transport: p.transport });
    ctx.phase(`connect ${p.clients} clients over ${p.transport}`);
    await pool.all({ type: 'connect', perSecond: 1000 });
    await ctx.sleep(1000);

    const from = pool.seconds.length;
    const cpu0 = gatewayCpuUs(ctx.stateDir);
    const clientCpu0 = cpuOf(pool.pids);
    const lp0 = await ctx.scrape(LONGPOLL_REQUESTS, {}, 'gateway');
    const t0 = Date.now();
    ctx.phase(`${p.ratePerSec} msg/s for ${p.durationSec} s over ${p.transport}`);
    await pool.all({ type: 'rate', perSecond: p.ratePerSec / pool.workerCount });
    await ctx.sleep(p.durationSec * 1000);
    await pool.all({ type: 'rate', perSecond: 0 });
    // the last sends' deliveries, and the ticks that count them
    await ctx.sleep(2000);
    const seconds = (Date.now() - t0) / 1000;
    const cpu1 = gatewayCpuUs(ctx.stateDir);
    const clientCpu1 = cpuOf(pool.pids);
    const lp1 = await ctx.scrape(LONGPOLL_REQUESTS, {}, 'gateway');
    const wsOpen = await ctx.scrape(MetricNames.wsConnections, {}, 'gateway');
    const window = pool.seconds.slice(from);
    const sum = (k: 'deliveries' | 'bytesIn' | 'bytesOut' | 'httpRequests' | 'tcpConnects') => window.reduce((s, x) => s + x.totals[k], 0);

    await ctx.quiesce(pool, 30_000);
    const { checker } = await ctx.check(pool);
    const delivered = sum('deliveries');
    const per = (n: number) => (delivered > 0 ? Math.round((n / delivered) * 10) / 10 : 0);
    const measures: Record<string, number> = {
      bytesPerDelivered: per(sum('bytesIn') + sum('bytesOut')),
      bytesInPerDelivered: per(sum('bytesIn')),
      bytesOutPerDelivered: per(sum('bytesOut')),
      requestsPerSec: Math.round((sum('httpRequests') / seconds) * 10) / 10,
      tcpConnectsPerSec: Math.round((sum('tcpConnects') / seconds) * 10) / 10,
      deliveredInWindow: delivered,
      transportUsed: (p.transport === 'longpoll' ? lp1 - lp0 >= p.clients : lp1 === lp0 && wsOpen >= p.clients) ? 1 : 0,
    };
    // a gateway restarted in the window has another pid: no CPU figure then
    if (cpu0 && cpu1 && cpu0.pids === cpu1.pids && delivered > 0) measures['cpuUsPerDelivered'] = Math.round((cpu1.us - cpu0.us) / delivered);
    if (clientCpu0 && clientCpu1 && delivered > 0) measures['clientCpuUsPerDelivered'] = Math.round((clientCpu1.us - clientCpu0.us) / delivered);
    ctx.info(`${p.transport}: ${delivered} delivered in ${seconds.toFixed(1)} s, ${measures['bytesPerDelivered']} B and ${measures['cpuUsPerDelivered'] ?? '?'} µs gateway CPU each, ${measures['requestsPerSec']} HTTP requests/s`);
    return { checker, measures };
  },
};

/** CPU (µs) of every gateway process chatlab runs, with their pids. */
function gatewayCpuUs(stateDir: string): { us: number; pids: string } | null {
  return cpuOf((readState(stateDir)?.services ?? []).filter((s) => s.kind === 'gateway').map((s) => s.pid));
}

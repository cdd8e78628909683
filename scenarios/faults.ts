import { z } from 'zod';
import type { ScenarioContext } from '../src/scenario/index.js';

/** What can go wrong half-way through a chat run (`--set fault=`), each repaired by what inject returns. */
export const CHAT_FAULTS = ['none', 'kill-gateway', 'term-gateway', 'drop-connections', 'restart-redis', 'pause-kafka', 'restart-cassandra', 'stop-persist'] as const;
/** The same, and a gateway's clock stepped (`skewMs`). */
export const FAULTS = [...CHAT_FAULTS, 'clock-skew'] as const;
export type Fault = (typeof FAULTS)[number];

/** `--set fault=` and `--set skewMs=`, for a scenario's params (reconnect-race, membership-churn). */
export const faultParams = {
  /** What goes wrong in the middle of the run (and is repaired a few seconds later). */
  fault: z.enum(FAULTS).default('kill-gateway'),
  /** clock-skew: how far one gateway's clock is stepped (negative: back, as NTP stepping a fast clock does). */
  skewMs: z.coerce.number().int().min(-600_000).max(600_000).default(-3000),
};

/** Injects one fault; returns what repairs it. */
export async function inject(ctx: ScenarioContext, fault: Fault, dropHalf: () => Promise<void>, skewMs = 0): Promise<() => Promise<void>> {
  const gateway = ctx.gateways.at(-1)?.name ?? 'gateway-1';
  const nothing = async () => {};
  switch (fault) {
    case 'none':
      return nothing;
    case 'kill-gateway':
      ctx.fault(`kill -9 ${gateway}`);
      await ctx.control.killGateway(gateway);
      return async () => {
        ctx.fault(`restart ${gateway}`);
        await ctx.control.startGateway(gateway);
      };
    case 'term-gateway':
      ctx.fault(`SIGTERM ${gateway} (graceful)`);
      await ctx.control.termGateway(gateway);
      return async () => {
        ctx.fault(`restart ${gateway}`);
        await ctx.control.startGateway(gateway);
      };
    case 'drop-connections':
      ctx.fault('drop 50% of connections at once');
      await dropHalf();
      return nothing;
    case 'restart-redis':
      ctx.fault('restart Redis (no persistence: caches, dedupe keys and streams are gone)');
      await ctx.control.restartRedis();
      return nothing;
    case 'pause-kafka':
      ctx.fault('pause Kafka (SIGSTOP)');
      ctx.control.pauseKafka();
      return async () => {
        ctx.fault('resume Kafka (SIGCONT)');
        ctx.control.resumeKafka();
      };
    case 'restart-cassandra':
      ctx.fault('stop Cassandra');
      await ctx.control.stopCassandra();
      return async () => {
        ctx.fault('start Cassandra');
        await ctx.control.startCassandra();
      };
    case 'clock-skew':
      ctx.fault(`step ${gateway}'s clock ${skewMs > 0 ? 'forward' : 'back'} ${Math.abs(skewMs)} ms`);
      await ctx.control.skewClock(gateway, skewMs);
      return async () => {
        ctx.fault(`${gateway}'s clock back on true time`);
        await ctx.control.skewClock(gateway, 0);
      };
    case 'stop-persist':
      ctx.fault('stop the persist worker');
      await ctx.control.stopService('persist-worker');
      return async () => {
        ctx.fault('start the persist worker');
        await ctx.control.startService('persist-worker');
      };
  }
}

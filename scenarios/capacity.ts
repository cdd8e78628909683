import { z } from 'zod';
import { checkDeliveries, stepsChart, type ScenarioDefinition } from '../src/scenario/index.js';
import { capacityFinding } from './capacity/finding.js';
import { climb, knee } from './capacity/ladder.js';
import { SaturationProbe } from './capacity/saturation.js';
import { parseSlo, sloValue } from './capacity/slo.js';
import { connectionsLoad, framesLoad, runStep } from './capacity/steps.js';
import { statedWhileRunning } from './findings/others.js';

const DEFAULT_LOADS = { frames: '500/1000/2000/4000/8000/12000/16000', connections: '250/500/1000/2000/4000/8000' };

const params = z.object({
  metric: z.enum(['frames', 'connections']).default('frames'),
  slo: z
    .string()
    .default('p99<50ms')
    .superRefine((text, c) => {
      try {
        parseSlo(text);
      } catch (e) {
        c.addIssue({ code: 'custom', message: (e as Error).message.replace(/^--threshold /, 'not a latency bound: ') });
      }
    }),
  loads: z.string().regex(/^(auto|\d+(\/\d+)*)$/, 'loads: offered loads separated by / (frames/s, or connections held), or auto').default('auto'),
  clients: z.coerce.number().int().min(3).default(200),
  groupSize: z.coerce.number().int().min(3).max(1000).default(10),
  ratePerSec: z.coerce.number().min(1).default(20),
  connectPerSec: z.coerce.number().min(1).default(200),
  warmupSec: z.coerce.number().min(0).default(1),
  measureSec: z.coerce.number().min(1).default(5),
  graceSec: z.coerce.number().min(1).default(5),
  confirm: z.coerce.number().int().min(1).max(9).default(3),
  workers: z.coerce.number().int().min(1).max(16).default(2),
});
type Params = z.infer<typeof params>;

/**
 * The question every user of a load tool asks: how much does this stack take? Steps the
 * offered load (frames/s delivered to group members, or connections held under a steady
 * message rate), confirms the knee with repeats, and reports the highest load that holds the
 * SLO with nothing lost, and what saturated first on the way up.
 */
export const scenario: ScenarioDefinition<Params> = {
  name: 'capacity',
  description: 'Capacity search: steps the offered load (frames/s or connections) to the highest that holds the SLO with nothing lost, confirmed by repeats, and names what saturated first.',
  params,
  thresholds: ['knee > 0', 'peakConnections > 0', 'acked > 0', 'delivered > 0'],
  finding: statedWhileRunning(['knee'], (run) => {
    const p = run.variants[0]?.params ?? {};
    const unit = p['metric'] === 'connections' ? 'connections' : 'frames/s';
    return stepsChart(run, {
      title: `${String(p['slo'] ?? 'SLO')} against the offered load`,
      xLabel: `offered load (${unit})`,
      yLabel: 'latency of the SLO (ms, solid)',
      yRightLabel: 'delivered frames/s (dashed)',
      lines: [
        { key: 'slo', name: 'latency' },
        { key: 'deliveredFramesPerSec', name: 'delivered', axis: 'right', dashed: true },
      ],
    });
  }),
  better: { knee: 'higher', kneeDeliveredFramesPerSec: 'higher' },
  paramDocs: {
    metric: 'frames: frames/s delivered to the members of groups; connections: sockets held under a steady message rate',
    slo: 'the latency bound a step must hold (threshold grammar: p99<50ms, p(99.9)<=1s)',
    loads: `offered loads, / separated; auto: frames ${DEFAULT_LOADS.frames}, connections ${DEFAULT_LOADS.connections}`,
    clients: 'frames: clients holding the groups',
    groupSize: 'members per group (a message is groupSize - 1 frames)',
    ratePerSec: 'connections: messages/s sent while the connections are held',
    connectPerSec: 'connections: new connections per second per step',
    warmupSec: 'unmeasured seconds at the start of a step',
    measureSec: 'measured seconds per step',
    graceSec: 'after a step, how long to wait for the last deliveries',
    confirm: 'runs of the first failing step and of the knee below it (median decides)',
    workers: 'frames: load worker processes',
  },
  measures: {
    knee: 'the highest offered load that held the SLO with nothing lost (0: none did)',
    kneeDeliveredFramesPerSec: 'frames/s delivered at the knee',
    kneeSloValue: 'the SLO percentile at the knee (ms)',
    firstFailingLoad: 'the lowest offered load that did not hold',
    saturatedAtLoad: 'the load at which the first resource reached 80% of its limit',
    'slo@<load>': 'the SLO percentile at that load (ms)',
    'deliveredFramesPerSec@<load>': 'frames/s delivered at that load',
    'lost@<load>': 'frames, acks or connections lost at that load',
  },
  async run(ctx, p) {
    const slo = parseSlo(p.slo);
    const loads = (p.loads === 'auto' ? DEFAULT_LOADS[p.metric] : p.loads).split('/').map(Number).sort((a, b) => a - b);
    const load =
      p.metric === 'frames' ? await framesLoad(ctx, { clients: p.clients, groupSize: p.groupSize, workers: p.workers }) : connectionsLoad(ctx, { groupSize: p.groupSize, ratePerSec: p.ratePerSec, connectPerSec: p.connectPerSec });
    const probe = new SaturationProbe(ctx.stateDir);
    const unit = p.metric === 'frames' ? 'frames/s' : 'connections';
    const measure = async (l: number) => {
      ctx.phase(`${l} ${unit}`);
      let window: Awaited<ReturnType<SaturationProbe['start']>> | undefined;
      let usage: Awaited<ReturnType<SaturationProbe['end']>> = [];
      const outcome = await runStep(ctx, load, l, {
        warmupSec: p.warmupSec,
        measureSec: p.measureSec,
        graceSec: p.graceSec,
        onWindow: async (at) => {
          if (at === 'start') window = await probe.start();
          else usage = await probe.end(window!, { sloMs: slo.limit, messagesPerSec: p.metric === 'frames' ? l / (p.groupSize - 1) : p.ratePerSec });
        },
      });
      await ctx.sleep(1000);
      return { outcome, usage };
    };
    const rows = await climb(loads, slo, p.confirm, measure, (r) =>
      ctx.info(
        `${r.load} ${unit}${r.runs > 1 ? ` (median of ${r.runs})` : ''}: ${slo.left} ${sloValue(slo, r.outcome.latency).toFixed(1)} ms, delivered ${Math.round(r.outcome.deliveredFramesPerSec)} frames/s, lost ${r.outcome.lost} → ${r.held ? 'holds' : 'fails'}; busiest: ${r.usage.filter((u) => !u.resource.startsWith('machine') && !u.resource.startsWith('other')).slice(0, 3).map((u) => `${u.resource} ${u.text}`).join(', ')}; ${r.usage.filter((u) => u.resource.startsWith('machine') || u.resource.startsWith('other')).map((u) => `${u.resource} ${u.text}`).join(', ')}`,
      ),
    );
    const best = knee(rows);
    const finding = capacityFinding(p.metric, p.slo, slo, rows, best);
    ctx.info(`finding: ${finding.sentence}`);
    const sum = (k: 'sent' | 'acked' | 'expected' | 'delivered' | 'lost') => rows.reduce((n, r) => n + r.outcome[k], 0);
    const checker = { ...checkDeliveries({ sends: [], deliveries: [] }), sent: sum('sent'), acked: sum('acked'), expectedDeliveries: sum('expected'), delivered: sum('delivered'), lost: sum('lost') };
    return { checker, latency: (best ?? rows[0])?.outcome.latency, measures: finding.measures };
  },
};

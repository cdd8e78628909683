/** The bench's tables: per-step results and CPU, the summary, idle RSS (bench/README.md, Output). */
import type { IdleResult } from './idle.js';
import type { FanoutOptions } from './options.js';
import { emit, f1, ms, n0, pct, table } from './output.js';
import { best, perFrame, type StepResult, type Target } from './steps.js';
import type { SystemRun } from './systems.js';

export function stepTable(results: StepResult[], target: Target, p99Limit: number): void {
  const b = best(results);
  table(
    [
      'offered msg/s',
      'expected frames/s',
      'delivered frames/s',
      'p50 ms',
      'p99 ms',
      'p99.9 ms',
      'max ms',
      ...target.frameCost.map((c) => `${c.label} µs/frame`),
      'lost',
      `p99<${p99Limit}`,
    ],
    results.map((r) => [
      `${n0(r.rate)}${r === b ? ' *' : ''}${r.attempts > 1 ? ` (run ${r.attempts})` : ''}${r.medianOf ? ` (median of ${r.medianOf})` : ''}`,
      n0(r.expectedFps),
      n0(r.deliveredFps),
      ms(r.latency.p50),
      ms(r.latency.p99),
      ms(r.latency.p999),
      ms(r.latency.max),
      ...target.frameCost.map((c) => f1(perFrame(r, c.keys))),
      n0(r.lost) + (r.errors ? ` (+${r.errors} err)` : '') + (r.closes ? ` (closed ${r.closes})` : ''),
      r.ok ? 'yes' : 'no',
    ]),
  );
  emit();
  const keys = [...Object.keys(target.cpu), 'load', 'other', 'machine'];
  table(
    ['offered msg/s', ...keys.map((k) => `${k} cpu`), 'load timer late ≤ ms'],
    results.map((r) => [`${n0(r.rate)}${r === b ? ' *' : ''}`, ...keys.map((k) => pct(r.cpuPct[k] ?? 0)), ms(r.maxLagMs)]),
  );
}

/** The headline: the best passing step of each system, CPU per frame, and the ratios. */
export function summaryTable(runs: SystemRun[], p99Limit: number, ratios: Ratios): void {
  if (runs.length === 0) return;
  emit(`## summary (best step with p99 send→deliver < ${p99Limit} ms and nothing lost)`);
  emit();
  const rows = runs.map((run) => {
    const b = best(run.results);
    const name = run.target.name;
    if (!b) {
      const l = run.results.slice().sort((a, c) => a.rate - c.rate)[0];
      return [name, 'none passed', l ? `${n0(l.rate)} (lowest tried)` : '', l ? ms(l.latency.p50) : '', l ? ms(l.latency.p99) : '', '', '', ''];
    }
    return [
      name,
      n0(b.deliveredFps),
      n0(b.rate),
      ms(b.latency.p50),
      ms(b.latency.p99),
      f1(perFrame(b, run.target.server)),
      run.target.frameCost.map((c) => `${c.label} ${f1(perFrame(b, c.keys))}`).join(' + '),
      f1(perFrame(b, ['load'])),
    ];
  });
  table(['system', 'delivered frames/s', 'offered msg/s', 'p50 ms', 'p99 ms', 'server µs/frame', 'split µs/frame', 'load µs/frame'], rows);
  emit();
  emit('(server = chatlab gateways + Redis; Socket.IO processes + Redis; the one ws process)');
  const r = (x: number | null) => (x === null ? 'n/a' : `${x.toFixed(2)}×`);
  emit(`ratios of delivered frames/s (chatlab: ${ratios.chatlabRouting ?? 'none'}): chatlab / Socket.IO ${r(ratios.chatlabVsSocketio)}, chatlab / plain ws ${r(ratios.chatlabVsWs)}`);
  emit();
}

export interface Ratios {
  chatlabVsSocketio: number | null;
  chatlabVsWs: number | null;
  /** which chatlab run the ratios use: the one with the most frames/s */
  chatlabRouting?: string;
}

export function ratiosOf(runs: SystemRun[]): Ratios {
  const fps = (run: SystemRun | undefined) => (run ? (best(run.results)?.deliveredFps ?? 0) : 0);
  const chatlab = runs.filter((x) => x.name === 'chatlab').sort((a, b) => fps(b) - fps(a))[0];
  const ratio = (other: SystemRun | undefined) => (chatlab && other && fps(other) > 0 ? Math.round((fps(chatlab) / fps(other)) * 100) / 100 : null);
  return {
    chatlabVsSocketio: ratio(runs.find((x) => x.name === 'socketio')),
    chatlabVsWs: ratio(runs.find((x) => x.name === 'ws')),
    ...(chatlab ? { chatlabRouting: chatlab.routing ?? 'as the stack runs' } : {}),
  };
}

/** Idle-connection cost per level, chatlab's gateways (and Redis) beside the plain ws server. */
export function idleTable(
  idleChatlab: IdleResult | undefined,
  idleBaseline: IdleResult | undefined,
  o: Pick<FanoutOptions, 'idleLevels' | 'idlePerProc' | 'connsPerIp'>,
  gatewayCount: number,
): void {
  if (!idleChatlab && !idleBaseline) return;
  emit('## RSS per idle connection (VmRSS after − before connecting N idle sockets, ÷ N; cumulative)');
  emit();
  const rows: string[][] = [];
  for (const n of o.idleLevels) {
    const c = idleChatlab?.rows.find((r) => r.n === n);
    const b = idleBaseline?.rows.find((r) => r.n === n);
    rows.push([
      n0(n),
      c ? f1(c.serverKb / 1024) : '—',
      c ? f1(c.serverKb / n) : '—',
      c ? c.perServerKb.map((k) => f1(k / 1024)).join(' / ') : '—',
      c?.redisKb !== undefined ? f1(c.redisKb / n) : '—',
      b ? f1(b.serverKb / n) : idleBaseline?.skipped.includes(n) ? 'n/a (fd limit)' : '—',
    ]);
  }
  table(['connections', 'gateways ΔRSS MiB', 'gateways KiB/conn', 'per gateway MiB', 'redis KiB/conn', 'plain ws KiB/conn'], rows);
  emit();
  emit(`(connections round-robin over ${gatewayCount} gateways from ${Math.ceil(o.idleLevels[o.idleLevels.length - 1]! / o.idlePerProc)} load process(es), source addresses 127.0.0.2+ with ${o.connsPerIp} per address)`);
  emit();
}

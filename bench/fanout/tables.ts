/** The bench's tables: per-step results and CPU, the summary, idle RSS (bench/README.md, Output). */
import type { IdleResult } from './idle.js';
import type { FanoutOptions } from './options.js';
import { emit, f1, ms, n0, pct, table } from './output.js';
import { best, perFrame, type StepResult, type Target } from './steps.js';

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

/** The headline: the best passing step of each system, and their ratio (speed and CPU per frame). */
export function summaryTable(chatlabResults: StepResult[], baselineResults: StepResult[], chatlabTarget: Target, gateways: Array<{ name: string }>, p99Limit: number): void {
  const bc = best(chatlabResults);
  const bb = best(baselineResults);
  if (chatlabResults.length === 0 && baselineResults.length === 0) return;
  emit(`## summary (p99 send→deliver < ${p99Limit} ms)`);
  emit();
  const rows: string[][] = [];
  const row = (name: string, r: StepResult | undefined, cpuKeys: string[][]) =>
    r
      ? [
          name,
          n0(r.deliveredFps),
          n0(r.rate),
          ms(r.latency.p50),
          ms(r.latency.p99),
          ms(r.latency.p999),
          f1(perFrame(r, cpuKeys.flat())),
          cpuKeys.map((k) => f1(perFrame(r, k))).join(' + '),
        ]
      : [name, 'none passed', '', '', '', '', '', ''];
  const lowest = (results: StepResult[]) => results.slice().sort((a, b) => a.rate - b.rate)[0];
  if (chatlabResults.length > 0) rows.push(row(`chatlab, ${gateways.length} gateways (gateways + redis)`, bc, [gateways.map((g) => g.name), ['redis']]));
  if (baselineResults.length > 0) rows.push(row('plain ws, 1 process', bb, [['server']]));
  table(['system', 'delivered frames/s', 'offered msg/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'server µs/frame', 'split'], rows);
  emit();
  if (bc && bb) {
    const gwKeys = gateways.map((g) => g.name);
    const cChat = perFrame(bc, [...gwKeys, 'redis']);
    const cBase = perFrame(bb, ['server']);
    emit(
      `chatlab / plain ws: ${(bc.deliveredFps / bb.deliveredFps).toFixed(2)}× the delivered frames/s, ` +
        `${(cChat / cBase).toFixed(1)}× the server CPU per frame (gateways + Redis; gateways alone ${(perFrame(bc, gwKeys) / cBase).toFixed(1)}×; the whole stack ${(perFrame(bc, [...Object.keys(chatlabTarget.cpu)]) / cBase).toFixed(1)}×)`,
    );
    const same = baselineResults.find((r) => r.rate === bc.rate);
    if (same) {
      emit(
        `at the same offered rate (${n0(bc.rate)} msg/s): plain ws ${f1(perFrame(same, ['server']))} µs/frame, chatlab gateways + Redis ${f1(cChat)} µs/frame = ` +
          `${(cChat / perFrame(same, ['server'])).toFixed(1)}× (p99 ${ms(same.latency.p99)} vs ${ms(bc.latency.p99)} ms)`,
      );
    }
  }
  if (!bc && chatlabResults.length > 0) {
    const l = lowest(chatlabResults)!;
    emit(`chatlab: no step had p99 < ${p99Limit} ms; the lowest (${n0(l.rate)} msg/s, ${n0(l.deliveredFps)} frames/s) had p50 ${ms(l.latency.p50)} / p99 ${ms(l.latency.p99)} / p99.9 ${ms(l.latency.p999)} ms`);
  }
  emit('(issue 3, for scale: plain ws tops out near 90k delivered frames/s at ~8 µs CPU/frame on this kind of machine)');
  emit();
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

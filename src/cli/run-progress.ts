import type { EventEmitter } from 'node:events';
import type { EngineEvents } from '../scenario/index.js';
import { err, makeChalk } from './output.js';

/**
 * Plain progress lines while a run goes (the live dashboard takes over on a TTY when present):
 * phases and faults as they happen, and one status line every few seconds at most.
 */
export function attachRunProgress(events: EventEmitter<EngineEvents>, scenario: string, _stateDir: string): { stop(): void } {
  const c = makeChalk(process.stderr);
  let last = 0;
  let variant = '';
  const t0 = Date.now();
  const clock = () => {
    const s = Math.floor((Date.now() - t0) / 1000);
    return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  };
  events.on('variant-start', (v) => {
    variant = v.name;
    err(c.bold(`${clock()} ${scenario} · variant ${v.index + 1}/${v.total} ${v.name}`));
  });
  events.on('timeline', (e) => err(`${clock()} ${e.kind === 'fault' ? c.red('✖ ') : ''}${e.label}`));
  events.on('second', ({ point, pool }) => {
    if (Date.now() - last < 5000) return;
    last = Date.now();
    const p99 = point.p99 === null ? '-' : `${point.p99.toFixed(1)}ms`;
    err(
      c.dim(
        `${clock()} conns=${point.connections} waiting=${pool.totals.waiting} sent=${point.sendsPerSec}/s deliv=${point.deliveriesPerSec}/s p99=${p99} reconnects=${point.reconnectsPerSec}/s unacked=${pool.totals.pendingAcks}`,
      ),
    );
  });
  events.on('variant-end', (v) => {
    const t = v.thresholds.map((x) => `${x.ok ? c.green('✔') : c.red('✖')} ${x.name} (${x.value ?? '-'})`).join('  ');
    err(`${clock()} ${variant} done: sent=${v.checker.sent} acked=${v.checker.acked} lost=${v.checker.lost} dup=${v.checker.duplicates} p99=${v.latency.p99.toFixed(1)}ms  ${t}`);
  });
  return { stop: () => events.removeAllListeners() };
}

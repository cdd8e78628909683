import fs from 'node:fs';
import os from 'node:os';
import { MetricNames, parsePrometheusText, readMachineBusyUs, readProcessCpuUs, sumMetric } from '../../src/core/index.js';
import { readState } from '../../src/stack/index.js';

/**
 * What may saturate under load, read the way the dashboard's MetricsPoller and bench/fanout
 * read it: each process's CPU from /proc (a Node service, Redis and a load worker have one
 * busy thread, so 100% of a core is their ceiling; a JVM can use every core), every service's
 * event-loop delay from its /metrics, and the persist worker's Kafka lag.
 */
export interface Usage {
  resource: string;
  /** What was measured, for the report: `87% of a core`, `lag p99 31 ms`. */
  text: string;
  /** 1 = at its limit. */
  score: number;
}

interface Snapshot {
  at: number;
  cpuUs: Map<string, number>;
  machineUs: number;
  lag: number;
}

const EVENT_LOOP_P99 = 'nodejs_eventloop_lag_p99_seconds';
const JVMS = new Set(['kafka', 'cassandra', 'search']);

/** Processes by name: the stack's services and infra (native), and this process's forked load workers. */
function processes(stateDir: string): Map<string, number[]> {
  const state = readState(stateDir);
  const out = new Map<string, number[]>();
  for (const s of state?.services ?? []) out.set(s.name, [s.pid]);
  for (const p of state?.processes ?? []) out.set(p.name, [p.pid]);
  out.set('load workers', childPids(process.pid));
  return out;
}

function childPids(pid: number): number[] {
  try {
    return fs.readdirSync(`/proc/${pid}/task`).flatMap((t) => {
      const text = fs.readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim();
      return text ? text.split(/\s+/).map(Number) : [];
    });
  } catch {
    return [];
  }
}

async function scrape(stateDir: string): Promise<Array<{ name: string; text: string | null }>> {
  const services = readState(stateDir)?.services ?? [];
  return Promise.all(
    services.map(async (s) => ({
      name: s.name,
      text: await fetch(`${s.url}/metrics`, { signal: AbortSignal.timeout(3000) }).then((r) => r.text(), () => null),
    })),
  );
}

export class SaturationProbe {
  private pids = new Map<string, number[]>();
  constructor(private readonly stateDir: string) {}

  private cpu(): Map<string, number> {
    return new Map([...this.pids].map(([name, pids]) => [name, pids.reduce((s, p) => s + (readProcessCpuUs(p) ?? 0), 0)]));
  }

  /** Starts a window: CPU counters now, and a scrape that resets each service's event-loop histogram. */
  async start(): Promise<Snapshot> {
    this.pids = processes(this.stateDir);
    await scrape(this.stateDir);
    return { at: performance.now(), cpuUs: this.cpu(), machineUs: readMachineBusyUs() ?? 0, lag: 0 };
  }

  /** The window's usage of every resource, highest score first. `sloMs` is the latency budget an event-loop stall eats into. */
  async end(s: Snapshot, o: { sloMs: number; messagesPerSec: number }): Promise<Usage[]> {
    const wallUs = (performance.now() - s.at) * 1000;
    const cpu = this.cpu();
    const cores = os.cpus().length;
    const out: Usage[] = [];
    let ours = 0;
    for (const [name, us] of cpu) {
      const used = Math.max(0, us - (s.cpuUs.get(name) ?? us));
      ours += used;
      const pct = (used / wallUs) * 100;
      const ceiling = JVMS.has(name) ? cores * 100 : name === 'load workers' ? Math.max(1, this.pids.get(name)!.length) * 100 : 100;
      out.push({ resource: `${name} CPU`, text: `${pct.toFixed(0)}% of a core`, score: pct / ceiling });
    }
    const machine = ((readMachineBusyUs() ?? 0) - s.machineUs) / wallUs;
    out.push({ resource: 'machine CPU', text: `${(machine * 100).toFixed(0)}% of ${cores} cores`, score: machine / cores });
    const other = Math.max(0, machine - ours / wallUs);
    out.push({ resource: 'other processes on the machine', text: `${(other * 100).toFixed(0)}% of a core`, score: other / cores });
    let lag = 0;
    for (const { name, text } of await scrape(this.stateDir)) {
      if (text === null) continue;
      const samples = parsePrometheusText(text);
      const p99 = sumMetric(samples, EVENT_LOOP_P99);
      if (p99 !== null) out.push({ resource: `${name} event loop`, text: `delay p99 ${(p99 * 1000).toFixed(1)} ms`, score: (p99 * 1000) / o.sloMs });
      lag += sumMetric(samples, MetricNames.persistLag) ?? 0;
    }
    // a backlog of more than 5 s of messages: the cold path no longer keeps up
    if (o.messagesPerSec > 0) out.push({ resource: 'Kafka consumer lag (persist worker)', text: `${Math.round(lag)} records behind`, score: lag / (o.messagesPerSec * 5) });
    return out.sort((a, b) => b.score - a.score);
  }
}

const MACHINE = new Set(['machine CPU', 'other processes on the machine']);

/** Near enough to its limit to call saturated. */
export const SATURATED = 0.8;

/**
 * The resource that saturated first along the ladder: the one that crossed SATURATED at the
 * earliest step (the highest there if several did); null when none did.
 */
export function saturatedFirst(steps: Array<{ load: number; usage: Usage[] }>): { load: number; usage: Usage } | null {
  for (const step of steps) {
    // a named process before the machine as a whole: it says what to scale
    const hot = step.usage.filter((u) => u.score >= SATURATED).sort((a, b) => Number(MACHINE.has(a.resource)) - Number(MACHINE.has(b.resource)) || b.score - a.score);
    if (hot.length > 0) return { load: step.load, usage: hot[0]! };
  }
  return null;
}

import { readFileSync, readdirSync } from 'node:fs';
import { MetricNames, sumMetricText } from '../../src/core/index.js';

/**
 * What a gateway's open-files limit lets it hold. Every client socket is a file descriptor, so
 * a gateway whose limit is L and which needs F descriptors for everything else (Redis, Kafka,
 * Cassandra, its listener, logs) holds at most L - F clients; the rest are refused at accept
 * and keep retrying until another gateway has room. Read from /proc: null where the gateway
 * is not a local process chatlab runs.
 */
export interface GatewayFiles {
  name: string;
  /** Descriptors open now, and the soft limit ("Max open files"). */
  open: number;
  limit: number;
  /** Client connections it holds now (its own gauge). */
  connections: number;
}

export function openFiles(pid: number): { open: number; limit: number } | null {
  try {
    const open = readdirSync(`/proc/${pid}/fd`).length;
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
    if (!m) return null;
    return { open, limit: m[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(m[1]) };
  } catch {
    return null; // gone (killed), or not ours to read
  }
}

export async function gatewayFiles(g: { name: string; url: string; pid?: number }): Promise<GatewayFiles | null> {
  if (!g.pid) return null;
  const files = openFiles(g.pid);
  if (!files) return null;
  let connections = 0;
  try {
    const text = await (await fetch(`${g.url}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
    connections = sumMetricText(text, MetricNames.wsConnections);
  } catch {
    return null;
  }
  return { name: g.name, ...files, connections };
}

/** Clients a gateway can hold under its limit: its limit less what it needs besides its clients. */
export const clientRoom = (f: GatewayFiles): number => Math.max(0, f.limit - (f.open - f.connections));

/**
 * The sentence said before the fault when the survivors cannot hold every client: how many they
 * can, under which limit, and what that leaves (null when they can hold them all).
 */
export function capacityWarning(survivors: readonly GatewayFiles[], clients: number, victim: string, restartAfterSec: number): string | null {
  const room = survivors.reduce((s, f) => s + clientRoom(f), 0);
  if (room >= clients) return null;
  const limits = [...new Set(survivors.map((f) => f.limit))].join('/');
  const then = restartAfterSec > 0 ? `they can come back only once ${victim} restarts (after ${restartAfterSec} s)` : `they cannot come back within the window (${victim} is not restarted in it)`;
  return `the ${survivors.length} surviving gateway(s) can hold ${room} of ${clients} clients under their open-files limit (${limits} each, ${survivors.map((f) => f.open - f.connections).join('/')} in use besides clients): ${clients - room} have no room; ${then}`;
}

import fs from 'node:fs';
import net from 'node:net';

/**
 * Ports for the stack's listeners. A port the kernel hands out for `listen(0)` comes from the
 * ephemeral range, the same range outgoing connections take their local port from: with tens of
 * thousands of client sockets open, a killed service's port is taken by an outgoing connection
 * before the service restarts (EADDRINUSE). So every listener gets a port outside that range.
 */

/** Where listeners go when the kernel's range leaves room: above the well-known and registered-by-habit ports. */
export const LISTEN_PORT_MIN = 10_000;
const PORT_MAX = 65_535;

export interface PortRange {
  low: number;
  high: number;
}

/** The kernel's range for outgoing connections' local ports (Linux); elsewhere the IANA dynamic range. */
export function ephemeralPortRange(read: () => string = () => fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')): PortRange {
  try {
    const [low, high] = read().trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && low! >= 1 && high! <= PORT_MAX && low! <= high!) return { low: low!, high: high! };
  } catch {
    // not Linux, or /proc not mounted
  }
  return { low: 49_152, high: PORT_MAX };
}

/** The ranges a listener may use: outside the ephemeral range, from LISTEN_PORT_MIN (or 1024 if nothing is left above it). */
export function listenPortRanges(ephemeral: PortRange): PortRange[] {
  for (const min of [LISTEN_PORT_MIN, 1024]) {
    const ranges: PortRange[] = [];
    if (ephemeral.low - 1 >= min) ranges.push({ low: min, high: ephemeral.low - 1 });
    if (ephemeral.high + 1 <= PORT_MAX) ranges.push({ low: Math.max(min, ephemeral.high + 1), high: PORT_MAX });
    if (ranges.length > 0) return ranges;
  }
  throw new Error(`the ephemeral port range ${ephemeral.low}-${ephemeral.high} leaves no port to listen on`);
}

/** Whether a listener can bind the port now. */
export function canBind(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A free TCP port on `host`, outside the kernel's ephemeral range (picked at random, checked by binding it). */
export async function freePort(host = '127.0.0.1', random: () => number = Math.random, ranges: PortRange[] = listenPortRanges(ephemeralPortRange())): Promise<number> {
  const size = ranges.reduce((n, r) => n + r.high - r.low + 1, 0);
  for (let attempt = 0; attempt < 200; attempt++) {
    let at = Math.floor(random() * size);
    const range = ranges.find((r) => (at < r.high - r.low + 1 ? true : ((at -= r.high - r.low + 1), false)))!;
    const port = range.low + at;
    if (await canBind(port, host)) return port;
  }
  throw new Error(`no free port on ${host} outside the ephemeral range after 200 tries`);
}

/** Several distinct free ports (a process needing two listeners must not get the same one twice). */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort(host));
  return [...ports];
}

/**
 * Before a restart on a recorded port: one line naming the component, the address and the
 * reason when it cannot be bound, instead of a start that fails somewhere in its log.
 */
export async function assertBindable(component: string, host: string, port: number): Promise<void> {
  if (await canBind(port, host)) return;
  throw new Error(`${component} cannot listen on ${host}:${port}: the address is in use (EADDRINUSE)`);
}

/** Distinct ports each free on every one of `hosts` (the nodes of a cluster use the same ports, each on its own address). */
export async function freePortsOnAll(count: number, hosts: string[]): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) {
    const port = await freePort(hosts[0]);
    if (ports.has(port)) continue;
    const everywhere = await Promise.all(hosts.slice(1).map((h) => canBind(port, h)));
    if (everywhere.every(Boolean)) ports.add(port);
  }
  return [...ports];
}

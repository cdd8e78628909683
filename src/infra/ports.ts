import net from 'node:net';

/** Asks the kernel for a free TCP port on 127.0.0.1 (bind to 0, read it back, release). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Several distinct free ports (a process needing two listeners must not get the same one twice). */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort(host));
  return [...ports];
}

function portFreeOn(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Distinct ports each free on every one of `hosts` (the nodes of a cluster use the same ports, each on its own address). */
export async function freePortsOnAll(count: number, hosts: string[]): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) {
    const port = await freePort(hosts[0]);
    if (ports.has(port)) continue;
    const everywhere = await Promise.all(hosts.slice(1).map((h) => portFreeOn(port, h)));
    if (everywhere.every(Boolean)) ports.add(port);
  }
  return [...ports];
}

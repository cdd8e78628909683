/**
 * Network partitions on this machine's loopback, with nftables: cutting a node off drops every
 * packet from or to its address (its peers' and its clients' alike) in the output hook, which
 * every loopback packet passes. Each stack has its own table, `chatlab_<hash of its state dir>`,
 * and each cut node a chain of its own in it, so healing one node deletes one chain and `down`
 * deletes the table: a leftover is easy to see in `nft list tables`. Only 127/8 addresses are
 * ever named, so nothing leaves the machine's loopback.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import { ChatlabError, ErrorCodes } from '../core/index.js';

export function partitionTable(stateDir: string): string {
  return `chatlab_${crypto.createHash('sha256').update(stateDir).digest('hex').slice(0, 10)}`;
}

function chainFor(address: string): string {
  return `isolate_${address.replace(/\./g, '_')}`;
}

function assertLoopback(address: string): void {
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address)) {
    throw new ChatlabError(ErrorCodes.CONFIG, `only loopback addresses (127/8) are ever cut off, not "${address}"`);
  }
}

function nft(args: string[], input?: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile('nft', args, { encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      if (code === 'ENOENT') resolve({ code: 127, out: 'nft not found (Debian: apt-get install -y nftables)' });
      else resolve({ code: error ? (typeof code === 'number' ? code : 1) : 0, out: `${stdout}${stderr}`.trim() });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** null when nftables can be used here; otherwise why not. */
export async function partitionUnavailableReason(): Promise<string | null> {
  const r = await nft(['list', 'tables']);
  return r.code === 0 ? null : `isolation needs nftables and the right to change it (root or CAP_NET_ADMIN): ${r.out}`;
}

/** Cuts `address` off from every other address: no packet from or to it passes until healed. */
export async function isolateAddress(stateDir: string, address: string): Promise<void> {
  assertLoopback(address);
  const table = partitionTable(stateDir);
  const chain = chainFor(address);
  const script = [
    `table inet ${table} {`,
    `  chain ${chain} {`,
    '    type filter hook output priority 0; policy accept;',
    `    ip saddr ${address} ip daddr != ${address} drop`,
    `    ip daddr ${address} ip saddr != ${address} drop`,
    '  }',
    '}',
    '',
  ].join('\n');
  const r = await nft(['-f', '-'], script);
  if (r.code !== 0) throw new ChatlabError(ErrorCodes.SCENARIO, `could not cut ${address} off with nftables: ${r.out}`);
}

/** Lets traffic of `address` through again (nothing to do when it was not cut off). */
export async function healAddress(stateDir: string, address: string): Promise<void> {
  assertLoopback(address);
  const table = partitionTable(stateDir);
  await nft(['delete', 'chain', 'inet', table, chainFor(address)]);
  const left = await nft(['list', 'table', 'inet', table]);
  if (left.code === 0 && !/chain /.test(left.out)) await nft(['delete', 'table', 'inet', table]);
}

/** Removes every rule this stack made (`down`, Ctrl-C): true when a table was there. */
export async function healAll(stateDir: string): Promise<boolean> {
  const r = await nft(['delete', 'table', 'inet', partitionTable(stateDir)]);
  return r.code === 0;
}

/** The addresses cut off right now (a chain per address in the stack's table). */
export async function isolatedAddresses(stateDir: string): Promise<string[]> {
  const r = await nft(['list', 'table', 'inet', partitionTable(stateDir)]);
  if (r.code !== 0) return [];
  return [...r.out.matchAll(/chain isolate_(\d+)_(\d+)_(\d+)_(\d+)/g)].map((m) => `${m[1]}.${m[2]}.${m[3]}.${m[4]}`);
}

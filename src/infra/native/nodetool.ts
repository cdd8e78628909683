/**
 * nodetool from the cached Cassandra jars: `org.apache.cassandra.tools.NodeTool` on the same
 * class path as the node, talking to the node's JMX port on 127.0.0.1 (cassandra-config.ts:
 * `cassandra.jmx.local.port`). A short-lived JVM: client compiler only, a small heap, so that
 * one call costs a second or two, not a node's start-up.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { JVM17_FLAGS } from './cassandra-config.js';

/** The java arguments of one nodetool call (`args`: `repair -full chatlab messages`, `flush`, …). */
export function nodetoolArgs(p: { jarDir: string; jmxPort: number; args: readonly string[]; logbackFile?: string; home?: string }): string[] {
  return [
    // nodetool appends each command to <home>/.cassandra/nodetool.history
    ...(p.home ? [`-Duser.home=${p.home}`] : []),
    '-Xmx128m',
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseSerialGC',
    '-Xshare:auto',
    // Cassandra's own classes, loaded by the tool too, need the server's JPMS exports on Java 17
    ...JVM17_FLAGS,
    ...(p.logbackFile ? [`-Dlogback.configurationFile=${p.logbackFile}`] : []),
    '-cp',
    `${p.jarDir}${path.sep}*`,
    'org.apache.cassandra.tools.NodeTool',
    '-h',
    '127.0.0.1',
    '-p',
    String(p.jmxPort),
    ...p.args,
  ];
}

/** The node's jar directory, read from its own command line (`-cp <dir>/*`); null when absent. */
export function jarDirOf(args: readonly string[]): string | null {
  const i = args.indexOf('-cp');
  const cp = i >= 0 ? args[i + 1] : undefined;
  if (!cp) return null;
  return cp.endsWith(`${path.sep}*`) ? cp.slice(0, -2) : cp;
}

/** Runs nodetool; resolves with its stdout, rejects with its stderr's last lines (and the exit code). */
export function runNodetool(p: { jarDir: string; jmxPort: number; args: readonly string[]; logbackFile?: string; home?: string; timeoutMs?: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('java', nodetoolArgs(p), { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, timeout: p.timeoutMs ?? 300_000 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const tail = `${stderr}\n${stdout}`.trim().split('\n').slice(-4).join(' | ');
      reject(new Error(`nodetool ${p.args.join(' ')} (JMX port ${p.jmxPort}) failed: ${tail || error.message}`));
    });
  });
}

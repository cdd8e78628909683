import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChatlabError, ErrorCodes } from '../../core/errors.js';
import { freePorts } from '../ports.js';
import { applySingleNodeDefaults, searchClusterHealth } from '../search-http.js';
import { launch } from './launch.js';
import { LOG4J2_PROPERTIES, SEARCH_DEFAULT_HEAP, launcherSource, opensearchJvmArgs, opensearchYml } from './opensearch-config.js';
import type { StartedComponent, ProgressFn } from '../types.js';

export interface NativeSearchOptions {
  dir: string;
  jarDir: string;
  /** Where the launcher is compiled once (next to the jars in the cache). */
  cacheDir: string;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  heap?: string;
}

export interface StartedNativeSearch extends StartedComponent {
  url: string;
  version: string;
}

/**
 * Compiles Launcher.java once per (source, jars) into the cache: `java Launcher.java` would
 * run javac in the JVM on every start and restart, seconds of CPU on a 2-core machine.
 */
export async function ensureLauncher(cacheDir: string, jarDir: string): Promise<string> {
  const source = launcherSource();
  const hash = crypto.createHash('sha256').update(fs.readFileSync(source)).update(jarDir).digest('hex').slice(0, 12);
  const dir = path.join(cacheDir, 'jars', `opensearch-launcher-${hash}`);
  if (fs.existsSync(path.join(dir, 'Launcher.class'))) return dir;
  const staging = `${dir}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  const args = ['-nowarn', '-cp', `${jarDir}/*`, '-d', staging, source];
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve, reject) => {
    const child = spawn('javac', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', (err) =>
      reject(new ChatlabError(ErrorCodes.INFRA_START, `cannot run javac to build the OpenSearch launcher: ${err.message}`, {
        details: 'the native search engine needs a JDK 17 (Debian: apt-get install -y openjdk-17-jdk-headless)',
      })),
    );
    child.on('close', (c) => resolve({ code: c ?? 1, output }));
  });
  if (code !== 0) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw new ChatlabError(ErrorCodes.INFRA_START, `javac ${source} failed (exit ${code})`, { details: output.split('\n').slice(-20).join('\n') });
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(staging, dir);
  return dir;
}

/** OpenSearch 2.19 as one JVM on loopback: HTTP for clients, a transport port it binds for itself. */
export async function startNativeSearch(options: NativeSearchOptions): Promise<StartedNativeSearch> {
  const dir = options.dir;
  for (const sub of ['config', 'data', 'logs', 'tmp']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  options.onProgress?.({ component: 'search', phase: 'preparing', detail: 'compiling the OpenSearch launcher (once)' });
  const launcherDir = await ensureLauncher(options.cacheDir, options.jarDir);
  const [http, transport] = (await freePorts(2)) as [number, number];
  const processors = Math.max(1, Math.min(2, os.availableParallelism()));
  fs.writeFileSync(path.join(dir, 'config', 'opensearch.yml'), opensearchYml(dir, { http, transport }, processors));
  fs.writeFileSync(path.join(dir, 'config', 'log4j2.properties'), LOG4J2_PROPERTIES);
  const url = `http://127.0.0.1:${http}`;
  const { proc, result } = await launch({
    component: 'search',
    name: 'search',
    command: 'java',
    args: opensearchJvmArgs({ dir, jarDir: options.jarDir, launcherDir, heap: options.heap ?? SEARCH_DEFAULT_HEAP }),
    cwd: dir,
    logFile: path.join(dir, 'opensearch.log'),
    // the node's home, its one argument
    marker: dir,
    ready: () => searchClusterHealth(url, 2000),
    readyWhat: `OpenSearch cluster health yellow on ${url}`,
    timeoutMs: 180_000,
    signal: options.signal,
    onProgress: options.onProgress,
  });
  try {
    await applySingleNodeDefaults(url);
  } catch (err) {
    await proc.stop(10_000);
    throw new ChatlabError(ErrorCodes.INFRA_START, `search engine started but refused its single-node settings: ${(err as Error).message}`);
  }
  return { name: 'search', url, version: result, processes: [proc], containerIds: [], stop: () => proc.stop(20_000) };
}

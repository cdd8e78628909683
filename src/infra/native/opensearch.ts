import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChatlabError, ErrorCodes } from '../../core/index.js';
import { freePorts } from '../ports.js';
import { applySingleNodeDefaults, searchClusterHealth } from '../search-http.js';
import { launch } from './launch.js';
import { LOG4J2_PROPERTIES, SEARCH_DEFAULT_HEAP, launcherSource, opensearchClasspath, opensearchJvmArgs, opensearchYml } from './opensearch-config.js';
import type { StartedComponent, ProgressFn } from '../types.js';

export interface NativeSearchOptions {
  dir: string;
  jarDir: string;
  /** Where the launcher jar and the class-data archive are kept (next to the jars). */
  cacheDir: string;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  heap?: string;
}

export interface StartedNativeSearch extends StartedComponent {
  url: string;
  version: string;
}

function run(command: string, args: string[]): Promise<{ code: number; output: string; error?: Error }> {
  return new Promise((resolve) => {
    execFile(command, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = (error as { code?: unknown } | null)?.code;
      resolve({ code: error ? (typeof code === 'number' ? code : 1) : 0, output: `${stdout}${stderr}`, error: error ?? undefined });
    });
  });
}

/**
 * Compiles Launcher.java once per (source, jars) into a jar in the cache: `java Launcher.java`
 * would run javac inside the JVM on every start and restart (seconds of CPU on 2 cores), and
 * class-data sharing accepts jars only on the class path.
 */
export async function ensureLauncher(cacheDir: string, jarDir: string): Promise<string> {
  const source = launcherSource();
  const hash = crypto.createHash('sha256').update(fs.readFileSync(source)).update(jarDir).digest('hex').slice(0, 12);
  const dir = path.join(cacheDir, 'jars', `opensearch-launcher-${hash}`);
  const jar = path.join(dir, 'launcher.jar');
  if (fs.existsSync(jar)) return jar;
  const staging = `${dir}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(path.join(staging, 'classes'), { recursive: true });
  const jdkHint = 'the native search engine needs a JDK 17 (Debian: apt-get install -y openjdk-17-jdk-headless)';
  for (const [command, args] of [
    ['javac', ['-nowarn', '-cp', `${jarDir}/*`, '-d', path.join(staging, 'classes'), source]],
    ['jar', ['cf', path.join(staging, 'launcher.jar'), '-C', path.join(staging, 'classes'), '.']],
  ] as const) {
    const r = await run(command, [...args]);
    if (r.code !== 0) {
      fs.rmSync(staging, { recursive: true, force: true });
      const missing = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
      throw new ChatlabError(ErrorCodes.INFRA_START, `${command} failed building the OpenSearch launcher${missing ? ` (no ${command} on PATH)` : ` (exit ${r.code})`}`, {
        details: missing ? jdkHint : r.output.split('\n').slice(-20).join('\n'),
      });
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(staging, dir);
  return jar;
}

/** The real path and mtime of the `java` on PATH (no JVM start needed). */
function javaIdentity(): string {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    try {
      const real = fs.realpathSync(path.join(dir, 'java'));
      return `${real}@${fs.statSync(real).mtimeMs}`;
    } catch {
      // not in this folder
    }
  }
  return 'java';
}

/**
 * Class-data sharing (AppCDS): the first node dumps the classes it loaded into an archive when
 * it exits; later nodes map it instead of parsing and verifying ~20k classes. Measured here:
 * ready in about a third of the time and CPU, ~80 MB less RSS. A dump is written under a
 * temporary name (a node killed mid-dump leaves a broken file); the next start keeps it only if
 * the JVM accepts it with -Xshare:on and its checksums verified.
 */
export async function classDataArchive(cacheDir: string, classpath: string): Promise<{ flag: string; dumping: boolean }> {
  // an archive belongs to one JVM build: a JDK update must record a new one, not silently ignore the old
  const hash = crypto.createHash('sha256').update(classpath).update(javaIdentity()).digest('hex').slice(0, 12);
  const jarsDir = path.join(cacheDir, 'jars');
  const archive = path.join(jarsDir, `opensearch-cds-${hash}.jsa`);
  if (fs.existsSync(archive)) return { flag: `-XX:SharedArchiveFile=${archive}`, dumping: false };
  const prefix = `${path.basename(archive)}.dump-`;
  for (const name of fs.readdirSync(jarsDir).filter((f) => f.startsWith(prefix))) {
    const candidate = path.join(jarsDir, name);
    // the launcher without arguments prints its usage and exits 2: the JVM got that far with the archive
    const check = await run('java', ['-Xshare:on', '-XX:+VerifySharedSpaces', `-XX:SharedArchiveFile=${candidate}`, '-cp', classpath, 'Launcher']);
    if (check.code === 2 && check.output.includes('usage:')) {
      fs.renameSync(candidate, archive);
      return { flag: `-XX:SharedArchiveFile=${archive}`, dumping: false };
    }
    fs.rmSync(candidate, { force: true });
  }
  return { flag: `-XX:ArchiveClassesAtExit=${archive}.dump-${crypto.randomBytes(4).toString('hex')}`, dumping: true };
}

/** OpenSearch 2.19 as one JVM on loopback: HTTP for clients, a transport port it binds for itself. */
export async function startNativeSearch(options: NativeSearchOptions): Promise<StartedNativeSearch> {
  const dir = options.dir;
  for (const sub of ['config', 'data', 'logs', 'tmp']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  options.onProgress?.({ component: 'search', phase: 'preparing', detail: 'OpenSearch launcher and class-data archive' });
  const classpath = opensearchClasspath(options.jarDir, await ensureLauncher(options.cacheDir, options.jarDir));
  const classData = await classDataArchive(options.cacheDir, classpath);
  const [http, transport] = (await freePorts(2)) as [number, number];
  const processors = Math.max(1, Math.min(2, os.availableParallelism()));
  fs.writeFileSync(path.join(dir, 'config', 'opensearch.yml'), opensearchYml(dir, { http, transport }, processors));
  fs.writeFileSync(path.join(dir, 'config', 'log4j2.properties'), LOG4J2_PROPERTIES);
  const url = `http://127.0.0.1:${http}`;
  const { proc, result } = await launch({
    component: 'search',
    name: 'search',
    command: 'java',
    args: opensearchJvmArgs({ dir, classpath, heap: options.heap ?? SEARCH_DEFAULT_HEAP, classData: classData.flag }),
    cwd: dir,
    logFile: path.join(dir, 'opensearch.log'),
    // the node's home, its one argument
    marker: dir,
    // a node that records the class-data archive writes it while exiting: minutes on a loaded machine
    stopGraceMs: classData.dumping ? 120_000 : 20_000,
    ready: () => searchClusterHealth(url, 2000),
    readyWhat: `OpenSearch cluster health yellow on ${url}${classData.dumping ? ' (first start: slower, it records a class-data archive)' : ''}`,
    timeoutMs: 180_000,
    signal: options.signal,
    onProgress: options.onProgress,
  });
  try {
    await applySingleNodeDefaults(url);
  } catch (err) {
    await proc.stop(5000);
    throw new ChatlabError(ErrorCodes.INFRA_START, `search engine started but refused its single-node settings: ${(err as Error).message}`);
  }
  return { name: 'search', url, version: result, processes: [proc], containerIds: [], stop: () => proc.stop() };
}

import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ChatlabError, ErrorCodes } from '../../core/index.js';
import { ensureJars } from '../native/jars.js';
import { ensureLauncher } from '../native/opensearch.js';
import { COMPONENTS, type ComponentName } from '../types.js';
import { LOCAL_IMAGES } from './names.js';
import { cassandraRecipe, kafkaRecipe, redisRecipe, searchRecipe, type Recipe } from './recipes.js';

/** A minimal Debian root file system with the JRE and redis-server: every local image starts from it. */
export const BASE_IMAGE = 'chatlab/debian:bookworm';
const SUITE = 'bookworm';
const BASE_PACKAGES = ['openjdk-17-jre-headless', 'redis-server', 'curl', 'ca-certificates'];
/** Trimmed from the root file system before import: package caches, docs, man pages. */
const TRIM = ['var/cache/apt/archives', 'var/lib/apt/lists', 'usr/share/doc', 'usr/share/man', 'usr/share/info'];

const INPUTS_LABEL = 'chatlab.inputs';

export type BuildProgress = (part: ComponentName | 'base', line: string) => void;

export interface BuildOptions {
  cacheDir: string;
  parts?: readonly ComponentName[];
  /** Rebuild even when an image with the same inputs exists. */
  force?: boolean;
  onProgress?: BuildProgress;
  env?: NodeJS.ProcessEnv;
}

export interface BuildResult {
  image: string;
  part: ComponentName | 'base';
  built: boolean;
  seconds: number;
}

interface RunResult {
  code: number;
  tail: string[];
}

/** Runs a command, feeding each output line to onLine; keeps the last lines for the error. */
function run(command: string, args: string[], onLine: (line: string) => void, options: { env?: NodeJS.ProcessEnv; stdin?: NodeJS.ReadableStream } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
    const tail: string[] = [];
    let buffer = '';
    const feed = (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        tail.push(line);
        if (tail.length > 30) tail.shift();
        if (line.trim()) onLine(line.trim());
      }
    };
    child.stdout?.on('data', feed);
    child.stderr?.on('data', feed);
    if (options.stdin && child.stdin) options.stdin.pipe(child.stdin);
    child.on('error', (err) => reject(err));
    child.on('close', (code) => resolve({ code: code ?? 1, tail }));
  });
}

async function inspectLabel(image: string, env?: NodeJS.ProcessEnv): Promise<{ id: string; inputs: string } | null> {
  const out: string[] = [];
  const r = await run('docker', ['image', 'inspect', '--format', `{{.Id}} {{index .Config.Labels "${INPUTS_LABEL}"}}`, image], (l) => out.push(l), { env }).catch(() => null);
  if (!r || r.code !== 0) return null;
  const [id = '', inputs = ''] = (out[0] ?? '').split(' ');
  return { id, inputs };
}

function fail(what: string, r: RunResult, hint?: string): never {
  throw new ChatlabError(ErrorCodes.INFRA_START, `${what} failed (exit ${r.code})`, { details: [...r.tail.slice(-15), ...(hint ? [hint] : [])].join('\n') });
}

function debianMirror(env: NodeJS.ProcessEnv): string {
  return env['CHATLAB_DEBIAN_MIRROR'] ?? 'http://deb.debian.org/debian';
}

/** debootstrap a minimal root, trim it, `docker import` it once; skipped when the same inputs were imported before. */
async function buildBase(o: BuildOptions): Promise<BuildResult> {
  const t0 = Date.now();
  const env = o.env ?? process.env;
  const say = (line: string) => o.onProgress?.('base', line);
  const inputs = hash([SUITE, ...BASE_PACKAGES, ...TRIM].join('\n'));
  const present = await inspectLabel(BASE_IMAGE, env);
  if (present && present.inputs === inputs && !o.force) return { image: BASE_IMAGE, part: 'base', built: false, seconds: 0 };
  if (process.getuid?.() !== 0) {
    throw new ChatlabError(ErrorCodes.INFRA_START, `building ${BASE_IMAGE} needs root (debootstrap makes a root file system)`, { details: 'run scripts/build-images.sh as root (sudo), or use --images official where a registry answers' });
  }
  const root = path.join(o.cacheDir, 'images', `rootfs.partial-${process.pid}`);
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(root, { recursive: true });
  try {
    say(`debootstrap ${SUITE} (minbase + ${BASE_PACKAGES.join(', ')})`);
    let step = 0;
    const boot = await run('debootstrap', ['--variant=minbase', `--include=${BASE_PACKAGES.join(',')}`, SUITE, root, debianMirror(env)], (line) => {
      // one line per phase, and every 25th package
      if (/^I: (Retrieving Release|Validating Packages|Resolving dependencies|Checking component|Installing (core|base)|Configuring required|Base system)/.test(line) || ++step % 25 === 0) say(line.replace(/^I: /, ''));
    }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new ChatlabError(ErrorCodes.INFRA_START, 'debootstrap not found: it builds the base of the local images', { details: 'Debian/Ubuntu: apt-get install -y debootstrap' });
      throw err;
    });
    if (boot.code !== 0) fail('debootstrap', boot);
    for (const dir of TRIM) fs.rmSync(path.join(root, dir), { recursive: true, force: true });
    fs.mkdirSync(path.join(root, 'var/lib/apt/lists/partial'), { recursive: true });
    say(`docker import -> ${BASE_IMAGE}`);
    const tar = spawn('tar', ['-C', root, '--numeric-owner', '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const imported = await run('docker', ['import', '--change', `LABEL ${INPUTS_LABEL}=${inputs} chatlab=true`, '--change', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', '-', BASE_IMAGE], say, { env, stdin: tar.stdout });
    if (imported.code !== 0) fail(`docker import of ${BASE_IMAGE}`, imported);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  return { image: BASE_IMAGE, part: 'base', built: true, seconds: (Date.now() - t0) / 1000 };
}

function hash(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex').slice(0, 16);
}

async function recipeFor(part: ComponentName, o: BuildOptions): Promise<Recipe> {
  const jars = (set: 'kafka' | 'cassandra' | 'opensearch') => ensureJars(o.cacheDir, set, (line) => o.onProgress?.(part, line));
  switch (part) {
    case 'redis':
      return redisRecipe(BASE_IMAGE);
    case 'kafka':
      return kafkaRecipe(BASE_IMAGE, await jars('kafka'));
    case 'cassandra':
      return cassandraRecipe(BASE_IMAGE, await jars('cassandra'));
    case 'search': {
      const dir = await jars('opensearch');
      return searchRecipe(BASE_IMAGE, dir, await ensureLauncher(o.cacheDir, dir));
    }
  }
}

/** What decides an image's content: the base's id, the recipe's text, the jar folders (named by their pom's hash) and copied files. */
function recipeInputs(baseId: string, r: Recipe): string {
  const parts = [baseId, r.dockerfile, ...Object.entries(r.files).flat(), ...Object.values(r.jarDirs).map((d) => path.basename(d))];
  for (const file of Object.values(r.copies)) parts.push(crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex'));
  return hash(parts.join('\0'));
}

function linkOrCopy(from: string, to: string): void {
  try {
    fs.linkSync(from, to);
  } catch {
    fs.copyFileSync(from, to);
  }
}

async function buildPart(part: ComponentName, baseId: string, o: BuildOptions): Promise<BuildResult> {
  const t0 = Date.now();
  const env = o.env ?? process.env;
  const image = LOCAL_IMAGES[part];
  const recipe = await recipeFor(part, o);
  const inputs = recipeInputs(baseId, recipe);
  const present = await inspectLabel(image, env);
  if (present && present.inputs === inputs && !o.force) return { image, part, built: false, seconds: 0 };
  const context = path.join(o.cacheDir, 'images', `context-${part}.partial-${process.pid}`);
  fs.rmSync(context, { recursive: true, force: true });
  fs.mkdirSync(context, { recursive: true });
  try {
    fs.writeFileSync(path.join(context, 'Dockerfile'), recipe.dockerfile);
    for (const [name, content] of Object.entries(recipe.files)) fs.writeFileSync(path.join(context, name), content);
    for (const [name, dir] of Object.entries(recipe.jarDirs)) {
      fs.mkdirSync(path.join(context, name));
      for (const jar of fs.readdirSync(dir).filter((f) => f.endsWith('.jar'))) linkOrCopy(path.join(dir, jar), path.join(context, name, jar));
    }
    for (const [name, file] of Object.entries(recipe.copies)) linkOrCopy(file, path.join(context, name));
    o.onProgress?.(part, `docker build -> ${image}`);
    // the classic builder: no BuildKit component needed, and nothing here is fetched from a network
    const built = await run('docker', ['build', '--label', `${INPUTS_LABEL}=${inputs}`, '--label', 'chatlab=true', '-t', image, context], (line) => {
      if (/^Step \d+\/\d+/.test(line)) o.onProgress?.(part, line);
    }, { env: { ...env, DOCKER_BUILDKIT: '0' } });
    if (built.code !== 0) fail(`docker build of ${image}`, built);
  } finally {
    fs.rmSync(context, { recursive: true, force: true });
  }
  return { image, part, built: true, seconds: (Date.now() - t0) / 1000 };
}

/**
 * Builds the local images that are missing or whose inputs changed (idempotent: a second call
 * with nothing changed only inspects). The base first, then each part on it, one at a time.
 */
export async function buildLocalImages(o: BuildOptions): Promise<BuildResult[]> {
  const results = [await buildBase(o)];
  const base = await inspectLabel(BASE_IMAGE, o.env);
  if (!base) throw new ChatlabError(ErrorCodes.INFRA_START, `${BASE_IMAGE} is missing after its build`);
  for (const part of o.parts ?? COMPONENTS) results.push(await buildPart(part, base.id, o));
  return results;
}

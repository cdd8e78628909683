import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import type { Command } from 'commander';
import { defaultCacheDir } from '../core/index.js';
import { containerRuntimeAnswers, dockerode, imagesStatus, LOCAL_IMAGES, resolveImages, type ImageStatus } from '../infra/index.js';
import { stateDirFrom, type GlobalOptions } from './context.js';
import { Exit } from './exit-codes.js';
import { makeChalk, out, printJson } from './output.js';

/** What the machine has, as probed (injected in tests). */
export interface Probes {
  node: string;
  javaMajor: number | null;
  maven: boolean;
  jarsCached: boolean;
  redisServer: boolean;
  containerRuntime: string | null;
  /** Per part, when a runtime answers: the default (official, or CHATLAB_IMAGES) set and the local set. */
  images?: { official: ImageStatus[]; local: ImageStatus[] };
  freeDiskGiB: number | null;
  openFiles: number | null;
  external: boolean;
}

export interface DoctorLine {
  name: string;
  ok: boolean;
  /** A warning does not stop a provider. */
  level: 'required' | 'warning';
  found: string;
  fix?: string;
  for: Array<'native' | 'containers' | 'external' | 'all'>;
}

const nodeOk = (v: string) => {
  const [maj, min] = v.replace(/^v/, '').split('.').map(Number) as [number, number];
  return maj > 20 || (maj === 20 && min >= 19);
};

export function diagnose(p: Probes): { lines: DoctorLine[]; providers: Record<'native' | 'containers' | 'external', boolean>; ok: boolean } {
  const lines: DoctorLine[] = [
    { name: 'Node.js >= 20.19', ok: nodeOk(p.node), level: 'required', found: p.node, fix: 'nvm install --lts (or https://nodejs.org)', for: ['all'] },
    { name: 'Java 17+', ok: (p.javaMajor ?? 0) >= 17, level: 'required', found: p.javaMajor ? `Java ${p.javaMajor}` : 'not found', fix: 'apt-get install -y openjdk-17-jre-headless', for: ['native'] },
    { name: 'Maven (fetches the Kafka/Cassandra jars once)', ok: p.maven || p.jarsCached, level: 'required', found: p.maven ? 'mvn found' : p.jarsCached ? 'not found, jars already cached' : 'not found', fix: 'apt-get install -y maven', for: ['native'] },
    { name: 'redis-server', ok: p.redisServer, level: 'required', found: p.redisServer ? 'found' : 'not found', fix: 'apt-get install -y redis-server', for: ['native'] },
    { name: 'container runtime', ok: p.containerRuntime === null, level: 'required', found: p.containerRuntime ?? 'answers', fix: 'install Docker (https://docs.docker.com/engine/install/) or Podman, and start it', for: ['containers'] },
    ...imageLines(p),
    { name: 'external endpoints (CHATLAB_REDIS_URL, CHATLAB_KAFKA_BROKERS, CHATLAB_CASSANDRA_CONTACT_POINTS)', ok: p.external, level: 'warning', found: p.external ? 'set' : 'not set', fix: 'only for --infra external', for: ['external'] },
    { name: 'free disk >= 5 GiB', ok: p.freeDiskGiB === null || p.freeDiskGiB >= 5, level: 'warning', found: p.freeDiskGiB === null ? 'unknown' : `${p.freeDiskGiB} GiB`, fix: 'free space under the state dir (or use --state-dir elsewhere)', for: ['all'] },
    { name: 'open files limit >= 10000', ok: p.openFiles === null || p.openFiles >= 10_000, level: 'warning', found: p.openFiles === null ? 'unknown' : String(p.openFiles), fix: 'ulimit -n 65536 (large scenarios open one socket per client)', for: ['all'] },
  ];
  const required = (who: 'native' | 'containers') => lines.filter((l) => l.level === 'required' && (l.for.includes(who) || l.for.includes('all'))).every((l) => l.ok);
  const imagesOk = !p.images || lines.some((l) => l.name.startsWith('container images') && l.ok);
  const providers = { native: required('native'), containers: required('containers') && imagesOk, external: p.external && nodeOk(p.node) };
  return { lines, providers, ok: providers.native || providers.containers || providers.external };
}

/** present / pullable / missing per image: either set is enough for the containers provider. */
function imageLines(p: Probes): DoctorLine[] {
  if (!p.images) return [];
  const describe = (status: ImageStatus[]) =>
    (['present', 'pullable', 'buildable', 'missing'] as const)
      .map((state) => {
        const of = status.filter((s) => s.state === state);
        return of.length ? `${state === 'buildable' ? 'missing' : state}: ${of.map((s) => `${s.image}${s.reason ? ` (${s.reason})` : ''}`).join(', ')}` : '';
      })
      .filter(Boolean)
      .join('; ');
  const usable = (status: ImageStatus[]) => status.every((s) => s.state === 'present' || s.state === 'pullable');
  return [
    { name: 'container images (default set)', ok: usable(p.images.official), level: 'warning', found: describe(p.images.official), fix: 'scripts/build-images.sh, then chatlab up --images local (or let a registry answer)', for: ['containers'] },
    { name: 'container images (--images local)', ok: usable(p.images.local), level: 'warning', found: describe(p.images.local), fix: 'scripts/build-images.sh (or chatlab up --infra containers --images local builds them)', for: ['containers'] },
  ];
}

export async function probeMachine(stateDir: string): Promise<Probes> {
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const javaMajor = java.error ? null : Number(/version "(\d+)/.exec(`${java.stderr}`)?.[1] ?? 0) || null;
  const cache = defaultCacheDir();
  const cached = (set: string) => {
    try {
      return fs.readdirSync(`${cache}/jars`).some((d) => d.startsWith(`${set}-`) && fs.existsSync(`${cache}/jars/${d}/.complete`));
    } catch {
      return false;
    }
  };
  const jarsCached = cached('kafka') && cached('cassandra');
  let freeDiskGiB: number | null = null;
  try {
    let dir = stateDir;
    while (!fs.existsSync(dir)) dir = dir.slice(0, dir.lastIndexOf('/')) || '/';
    const s = fs.statfsSync(dir);
    freeDiskGiB = Math.floor((s.bavail * s.bsize) / 2 ** 30);
  } catch {
    // unknown
  }
  const ulimit = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' });
  const openFiles = ulimit.stdout.trim() === 'unlimited' ? Infinity : Number(ulimit.stdout.trim()) || null;
  const env = process.env;
  const containerRuntime = await containerRuntimeAnswers(3000);
  return {
    node: process.version,
    javaMajor,
    maven: !spawnSync('mvn', ['-v'], { encoding: 'utf8' }).error,
    jarsCached,
    redisServer: !spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).error,
    containerRuntime,
    images: containerRuntime === null ? await probeImages() : undefined,
    freeDiskGiB,
    openFiles,
    external: Boolean(env['CHATLAB_REDIS_URL'] && env['CHATLAB_KAFKA_BROKERS'] && env['CHATLAB_CASSANDRA_CONTACT_POINTS']),
  };
}

async function probeImages(): Promise<Probes['images']> {
  const docker = await dockerode();
  const [official, local] = await Promise.all([imagesStatus(docker, resolveImages(undefined).images), imagesStatus(docker, { ...LOCAL_IMAGES })]);
  return { official, local };
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check what `chatlab up` needs on this machine, per provider, and how to install what is missing')
    .option('--json', 'print the checks as JSON')
    .addHelpText('after', '\nExit: 0 when at least one provider (native, containers, external) can start the stack, 1 when none can.\n\nExamples:\n  $ chatlab doctor\n  $ chatlab doctor --json')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const result = diagnose(await probeMachine(stateDirFrom(cmd.optsWithGlobals() as GlobalOptions)));
      if (opts.json) printJson(result);
      else {
        const c = makeChalk();
        for (const l of result.lines) {
          const mark = l.ok ? c.green('✔') : l.level === 'warning' ? c.yellow('!') : c.red('✖');
          out(`${mark} ${l.name}: ${l.found}${l.ok || !l.fix ? '' : c.dim(`  → ${l.fix}`)}`);
        }
        const localOnly = result.lines.some((l) => l.name === 'container images (default set)' && !l.ok);
        const can = Object.entries(result.providers).filter(([, ok]) => ok).map(([n]) => (n === 'containers' && localOnly ? 'containers (--images local)' : n));
        out(can.length ? c.green(`chatlab up can start the stack with: ${can.join(', ')}`) : c.red('no provider can start the stack here: install what is marked ✖ above'));
      }
      process.exitCode = result.ok ? Exit.OK : Exit.FAILED;
    });
}

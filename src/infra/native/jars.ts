import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ChatlabError, ErrorCodes } from '../../core/index.js';
import { packageRoot } from '../../core/index.js';

export type JarSet = 'kafka' | 'cassandra' | 'opensearch';

export function pomPath(set: JarSet): string {
  return path.join(packageRoot(), 'src', 'infra', 'native', 'maven', set, 'pom.xml');
}

/** The cache folder for one pom: its hash in the name, so editing the pom resolves anew. */
export function jarDir(cacheDir: string, set: JarSet): string {
  const hash = crypto.createHash('sha256').update(fs.readFileSync(pomPath(set))).digest('hex').slice(0, 12);
  return path.join(cacheDir, 'jars', `${set}-${hash}`);
}

/**
 * Resolves the pom's dependencies into the cache once (mvn dependency:copy-dependencies),
 * reporting each downloaded or copied artifact; later calls return the cached folder at once.
 */
export async function ensureJars(cacheDir: string, set: JarSet, onProgress: (line: string) => void = () => {}): Promise<string> {
  const dir = jarDir(cacheDir, set);
  if (fs.existsSync(path.join(dir, '.complete'))) return dir;
  const staging = `${dir}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  const args = ['-B', '-f', pomPath(set), 'dependency:copy-dependencies', `-DoutputDirectory=${staging}`];
  let downloaded = 0;
  let copied = 0;
  const tail: string[] = [];
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn('mvn', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.on('error', (err) =>
      reject(new ChatlabError(ErrorCodes.JARS, `cannot run mvn to fetch the ${set} jars: ${err.message}`, {
        details: 'install Maven (Debian: apt-get install -y maven)',
      })),
    );
    const onLine = (line: string) => {
      tail.push(line);
      if (tail.length > 30) tail.shift();
      if (line.includes('Downloaded from')) onProgress(`${set} jars: ${++downloaded} artifacts downloaded`);
      else if (/Copying .*\.jar/.test(line)) onProgress(`${set} jars: ${++copied} jars in cache`);
    };
    let buffer = '';
    const feed = (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      lines.forEach(onLine);
    };
    child.stdout.on('data', feed);
    child.stderr.on('data', feed);
    child.on('close', (c) => resolve(c ?? 1));
  });
  if (code !== 0) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw new ChatlabError(ErrorCodes.JARS, `mvn ${args.join(' ')} failed (exit ${code})`, { details: tail.join('\n') });
  }
  fs.writeFileSync(path.join(staging, '.complete'), new Date().toISOString());
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(staging, dir);
  return dir;
}

export function findJar(dir: string, prefix: string): string {
  const name = fs.readdirSync(dir).find((f) => f.startsWith(prefix) && f.endsWith('.jar'));
  if (!name) throw new ChatlabError(ErrorCodes.JARS, `no ${prefix}*.jar in ${dir}`);
  return path.join(dir, name);
}

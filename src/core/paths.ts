import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The installed chatlab package (where package.json, the poms and dist/ live). */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'chatlab') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the chatlab package root');
    dir = parent;
  }
}

/** Where a running stack keeps its state file, data and logs (CHATLAB_HOME or ~/.chatlab). */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env['CHATLAB_HOME'] ?? path.join(os.homedir(), '.chatlab'));
}

/** Downloaded jars survive `down` and are shared by every stack (CHATLAB_CACHE or ~/.cache/chatlab). */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env['XDG_CACHE_HOME'] ?? path.join(os.homedir(), '.cache');
  return path.resolve(env['CHATLAB_CACHE'] ?? path.join(xdg, 'chatlab'));
}

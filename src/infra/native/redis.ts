import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../ports.js';
import { pingRedis } from '../checks.js';
import { launch } from './launch.js';
import { redisConfLines, redisSettings } from './redis-config.js';
import type { StartedComponent, ProgressFn } from '../types.js';

export interface NativeRedisOptions {
  dir: string;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  binary?: string;
}

export interface StartedNativeRedis extends StartedComponent {
  url: string;
  version: string;
}

/** Debian's redis-server on a free port, no persistence, its own dir and log. */
export async function startNativeRedis(options: NativeRedisOptions): Promise<StartedNativeRedis> {
  fs.mkdirSync(options.dir, { recursive: true });
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  // redis rewrites its process title; the template keeps the config path in it as our marker
  const config = path.join(options.dir, 'redis.conf');
  fs.writeFileSync(
    config,
    [...redisConfLines(redisSettings({ port, bind: '127.0.0.1', dir: options.dir })), 'daemonize no', 'proc-title-template "{title} {listen-addr} {config-file}"', ''].join('\n'),
  );
  const { proc, result } = await launch({
    component: 'redis',
    name: 'redis',
    command: options.binary ?? 'redis-server',
    args: [config],
    logFile: path.join(options.dir, 'redis.log'),
    marker: config,
    ready: () => pingRedis(url),
    readyWhat: `Redis PING on ${url}`,
    timeoutMs: 20_000,
    signal: options.signal,
    onProgress: options.onProgress,
  });
  return { name: 'redis', url, version: result, processes: [proc], containerIds: [], stop: () => proc.stop(5000) };
}

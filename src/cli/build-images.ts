import { defaultCacheDir, errorMessage } from '../core/index.js';
import { buildLocalImages, COMPONENTS, type ComponentName } from '../infra/index.js';

/**
 * scripts/build-images.sh: builds the local images (`--images local`) that are missing or whose
 * inputs changed, with one progress line per step, then one line per image (built or reused).
 * Usage: build-images.js [--force] [--json] [redis|kafka|cassandra|search ...]
 */
async function main(argv: string[]): Promise<number> {
  const force = argv.includes('--force');
  const json = argv.includes('--json');
  const names = argv.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !(COMPONENTS as readonly string[]).includes(n));
  if (unknown.length) {
    process.stderr.write(`build-images: unknown part ${unknown.join(', ')} (expected ${COMPONENTS.join(', ')})\n`);
    return 2;
  }
  const t0 = Date.now();
  try {
    const results = await buildLocalImages({
      cacheDir: defaultCacheDir(),
      parts: names.length ? (names as ComponentName[]) : COMPONENTS,
      force,
      onProgress: (part, line) => process.stderr.write(`${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s  ${part.padEnd(9)} ${line}\n`),
    });
    if (json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    else for (const r of results) process.stdout.write(`${r.image.padEnd(28)} ${r.built ? `built in ${r.seconds.toFixed(1)}s` : 'up to date'}\n`);
    return 0;
  } catch (err) {
    const details = (err as { details?: string }).details;
    process.stderr.write(`build-images: ${errorMessage(err)}\n${details ? `${details}\n` : ''}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));

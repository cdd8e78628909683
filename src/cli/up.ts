import type { Command } from 'commander';
import { z } from 'zod';
import { ChatlabError, ErrorCodes } from '../core/index.js';
import { killAllSpawnedSync, parseInfraChoice, providerFactory } from '../infra/index.js';
import { startStack, collectStatus, idleCostLines, measureIdleCost, type RunningStack } from '../stack/index.js';
import { hint, stateDirFrom, type GlobalOptions } from './context.js';
import { configError, Exit, exitCodeFor } from './exit-codes.js';
import { err, makeChalk, out, printJson, reportError } from './output.js';
import { twoStepInterrupt } from './signals.js';
import { progressPrinter } from './progress.js';
import { startLiveView } from './live.js';
import { printStatus } from './status.js';

const upOptionsSchema = z.object({
  infra: z.string().optional(),
  images: z.string().optional(),
  gateways: z.coerce.number({ error: 'expected a number' }).refine(Number.isFinite, 'expected a number').pipe(z.number().int('expected a whole number').min(1, 'at least 1').max(16, 'at most 16')).default(2),
  detach: z.boolean().default(false),
  topology: z.enum(['single', 'cluster'], { error: 'expected single or cluster' }).default('single'),
  json: z.boolean().default(false),
  redisUrl: z.string().optional(),
  kafkaBrokers: z.string().optional(),
  cassandraContactPoints: z.string().optional(),
  cassandraDc: z.string().optional(),
  searchUrl: z.string().optional(),
});

export function registerUp(program: Command): void {
  program
    .command('up')
    .description('start Redis, Kafka, Cassandra, OpenSearch and the chat services')
    .option('--infra <provider>', 'auto | native | containers | external', 'auto')
    .option('--images <set>', 'with --infra containers/auto: official (pulled) or local (built here, see scripts/build-images.sh); CHATLAB_IMAGES, CHATLAB_IMAGE_<PART> override')
    .option('--gateways <n>', 'number of gateway processes', '2')
    .option('--topology <kind>', 'single (one node per store) | cluster (three Cassandra nodes, three Kafka brokers; native or external)', 'single')
    .option('--detach', 'return once everything is healthy, leaving the stack running')
    .option('--json', 'print the resulting status as JSON')
    .option('--redis-url <url>', 'with --infra external (or CHATLAB_REDIS_URL)')
    .option('--kafka-brokers <list>', 'with --infra external: host:port,... (or CHATLAB_KAFKA_BROKERS)')
    .option('--cassandra-contact-points <list>', 'with --infra external: host:port,... (or CHATLAB_CASSANDRA_CONTACT_POINTS)')
    .option('--cassandra-dc <name>', 'with --infra external: local data centre (default datacenter1)')
    .option('--search-url <url>', 'with --infra external: OpenSearch/Elasticsearch http://host:port (or CHATLAB_SEARCH_URL)')
    .addHelpText('after', '\nExamples:\n  $ chatlab up                      # foreground with the live dashboard; Ctrl-C stops it\n  $ chatlab up --detach --gateways 3\n  $ chatlab --state-dir /tmp/lab up --detach --infra native\n  $ chatlab up --detach --infra containers --images local   # builds missing local images first\n  $ chatlab up --infra external --redis-url redis://10.0.0.5:6379 --kafka-brokers 10.0.0.6:9092 --cassandra-contact-points 10.0.0.7:9042 --search-url http://10.0.0.8:9200')
    .action(async (raw: Record<string, unknown>, cmd: Command) => {
      process.exitCode = await up(raw, cmd.optsWithGlobals() as GlobalOptions);
    });
}

async function up(raw: Record<string, unknown>, globals: GlobalOptions): Promise<number> {
  const parsed = upOptionsSchema.safeParse(raw);
  const json = raw['json'] === true;
  if (!parsed.success) {
    reportError(configError(parsed.error.issues, raw), json);
    return Exit.USAGE;
  }
  const opts = parsed.data;
  const stateDir = stateDirFrom(globals);
  const c = makeChalk(process.stderr);
  const controller = new AbortController();
  let stack: RunningStack | undefined;
  let handedOff = false;
  let stopping: Promise<void> | undefined;
  const onSignal = twoStepInterrupt(c, 130, (signal) => {
    err(c.yellow(`${signal}: stopping…`));
    controller.abort();
    if (stack && !stopping) stopping = stack.stop();
  });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('exit', () => {
    if (!handedOff) killAllSpawnedSync();
  });

  try {
    const infra = parseInfraChoice(opts.infra);
    const flags = { images: opts.images, redisUrl: opts.redisUrl, kafkaBrokers: opts.kafkaBrokers, cassandraContactPoints: opts.cassandraContactPoints, cassandraDc: opts.cassandraDc, searchUrl: opts.searchUrl };
    const t0 = Date.now();
    stack = await startStack({
      stateDir,
      infra,
      factory: providerFactory(flags),
      detached: opts.detach,
      topology: opts.topology,
      services: { gateways: opts.gateways },
      signal: controller.signal,
      onProgress: progressPrinter(c, err, Boolean(process.stderr.isTTY)),
    });
    const status = await collectStatus(stateDir);
    err(c.green(`✔ chatlab is up (${stack.state.provider}) in ${((Date.now() - t0) / 1000).toFixed(1)}s`));
    if (opts.json) printJson(status);
    else if (status) printStatus(status, makeChalk());
    if (stack.state.topology === 'cluster' && stack.state.processes.length > 0) {
      // what the three-node stores cost doing nothing, per node (stderr: --json keeps stdout to the status object)
      err(c.dim('measuring the idle cost of each backing process for 5 s…'));
      for (const line of idleCostLines(await measureIdleCost(stack.state.processes))) err(`  ${line}`);
    }
    if (opts.detach) {
      handedOff = true;
      err(c.dim(`detached: \`${hint(globals, 'status')}\` shows it, \`${hint(globals, 'down')}\` stops it`));
      return 0;
    }
    err(c.dim('running in the foreground: Ctrl-C (or q) stops everything'));
    // nothing else holds the event loop open while we wait for a signal
    const keepAlive = setInterval(() => {}, 60_000);
    const live = startLiveView({ stateDir, tty: Boolean(process.stdout.isTTY) && !opts.json, onQuit: () => onSignal('SIGINT') });
    await new Promise<void>((resolve) => controller.signal.addEventListener('abort', () => resolve(), { once: true }));
    live.stop();
    clearInterval(keepAlive);
    await stopping;
    err(c.green('✔ stopped'));
    return 0;
  } catch (e) {
    if (stopping) await stopping;
    reportError(e, json);
    return exitCodeFor(e);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
  }
}

export { out };

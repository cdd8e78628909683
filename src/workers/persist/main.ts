/**
 * Process entry of the persist worker: `node dist/src/workers/persist/main.js --config FILE`.
 * Prints one JSON line on stdout once ready ({"ready":true,...,"url"}); diagnostics go to
 * stderr. SIGTERM/SIGINT stop it gracefully (exit 0); a failed start or a consumer that
 * crashed for good exits 1.
 */
import {
  ChatlabError,
  ErrorCodes,
  createOpsServer,
  createRegistry,
  errorMessage,
  listen,
  loadServiceConfig,
} from '../../core/index.js';
import { startPersistWorker, type StartedPersistWorker } from './worker.js';

async function main(): Promise<void> {
  const config = loadServiceConfig();
  if (config.kind !== 'persist-worker') {
    throw new ChatlabError(ErrorCodes.CONFIG, `persist worker started with a config of kind "${config.kind}"`);
  }
  const registry = createRegistry(config.name);
  let worker: StartedPersistWorker | undefined;
  let exiting = false;
  let exitCode = 0;
  const server = createOpsServer({ registry, healthy: () => worker?.healthy() ?? false });

  const shutdown = async (code: number): Promise<void> => {
    if (exiting) return;
    exiting = true;
    exitCode = code;
    // During start there is nothing to stop yet: main() stops the worker once start returns.
    if (worker === undefined) return;
    await worker.stop();
    server.close();
    process.exit(code);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void shutdown(0));

  const port = await listen(server, config.port, config.host);
  try {
    worker = await startPersistWorker(config, {
      registry,
      onFatal: (err) => {
        process.stderr.write(`[${config.name}] fatal: ${errorMessage(err)}\n`);
        void shutdown(1);
      },
    });
  } catch (err) {
    // A start cut short by a signal is a requested stop, not a failure.
    if (exiting) process.exit(exitCode);
    throw err;
  }
  if (exiting) {
    await worker.stop();
    process.exit(exitCode);
  }
  process.stdout.write(
    `${JSON.stringify({ ready: true, kind: config.kind, name: config.name, pid: process.pid, url: `http://${config.host}:${port}`, groupId: worker.groupId })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`persist worker failed: ${errorMessage(err)}\n`);
  process.exit(1);
});

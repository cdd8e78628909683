/**
 * Process entry of the receipts worker: `node dist/src/workers/receipts/main.js --config FILE`.
 * Serves /healthz and /metrics; SIGTERM/SIGINT flush once more and stop (exit 0).
 */
import { ChatlabError, ErrorCodes, createOpsServer, createRegistry, errorMessage, listen, loadServiceConfig } from '../../core/index.js';
import { startReceiptsWorker, type StartedReceiptsWorker } from './worker.js';

async function main(): Promise<void> {
  const config = loadServiceConfig();
  if (config.kind !== 'receipts-worker') throw new ChatlabError(ErrorCodes.CONFIG, `receipts worker started with a config of kind "${config.kind}"`);
  const registry = createRegistry(config.name);
  let worker: StartedReceiptsWorker | undefined;
  let exiting = false;
  const server = createOpsServer({ registry, healthy: () => worker?.healthy() ?? false });
  const shutdown = async (): Promise<void> => {
    if (exiting) return;
    exiting = true;
    if (!worker) return;
    await worker.stop();
    server.close();
    process.exit(0);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void shutdown());
  const port = await listen(server, config.port, config.host);
  worker = await startReceiptsWorker(config, { registry });
  if (exiting) {
    await worker.stop();
    process.exit(0);
  }
  process.stdout.write(`${JSON.stringify({ ready: true, kind: config.kind, name: config.name, pid: process.pid, url: `http://${config.host}:${port}` })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`receipts worker failed: ${errorMessage(err)}\n`);
  process.exit(1);
});

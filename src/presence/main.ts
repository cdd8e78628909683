/**
 * Process entry of the presence server: `node dist/src/presence/main.js --config FILE`.
 * Serves /healthz and /metrics; SIGTERM/SIGINT stop it (exit 0); a failed start exits 1.
 */
import { ChatlabError, ErrorCodes, createOpsServer, createRegistry, errorMessage, listen, loadServiceConfig } from '../core/index.js';
import { startPresenceServer, type StartedPresenceServer } from './server.js';

async function main(): Promise<void> {
  const config = loadServiceConfig();
  if (config.kind !== 'presence') throw new ChatlabError(ErrorCodes.CONFIG, `presence server started with a config of kind "${config.kind}"`);
  const registry = createRegistry(config.name);
  let presence: StartedPresenceServer | undefined;
  let exiting = false;
  const server = createOpsServer({ registry, healthy: () => presence?.healthy() ?? false });
  const shutdown = async (): Promise<void> => {
    if (exiting) return;
    exiting = true;
    // During start there is nothing to stop yet: main() stops it once start returns.
    if (!presence) return;
    await presence.stop();
    server.close();
    process.exit(0);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void shutdown());
  const port = await listen(server, config.port, config.host);
  presence = await startPresenceServer(config, { registry });
  if (exiting) {
    await presence.stop();
    process.exit(0);
  }
  process.stdout.write(`${JSON.stringify({ ready: true, kind: config.kind, name: config.name, pid: process.pid, url: `http://${config.host}:${port}` })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`presence server failed: ${errorMessage(err)}\n`);
  process.exit(1);
});

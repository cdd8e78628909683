import { errorMessage, installLastResort, loadServiceConfig } from '../core/index.js';
import { startGateway } from './gateway.js';

/** The gateway process: `node dist/src/gateway/main.js --config FILE`. */
const config = loadServiceConfig();
installLastResort(config.name);
try {
  const gateway = await startGateway(config);
  process.stdout.write(`${config.name} listening on http://${config.host}:${gateway.port}\n`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${config.name}: ${signal}, draining ${gateway.ctx.router.socketCount} sockets\n`);
    await gateway.shutdown();
    process.stdout.write(`${config.name}: stopped\n`);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
} catch (err) {
  process.stderr.write(`${config.name} failed to start: ${errorMessage(err)}\n`);
  process.exit(1);
}

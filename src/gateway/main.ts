import { OffsetClock, clockOffsetFile, errorMessage, installLastResort, loadServiceConfig, readClockOffsetMs, serviceConfigPath } from '../core/index.js';
import { startGateway } from './gateway.js';

/** The gateway process: `node dist/src/gateway/main.js --config FILE`. */
const config = loadServiceConfig();
installLastResort(config.name);
try {
  // a clock-skew fault writes the offset beside the config and sends SIGUSR2 (stack/control.ts)
  const offsetFile = clockOffsetFile(serviceConfigPath());
  const clock = new OffsetClock();
  const readOffset = () => {
    try {
      clock.offsetMs = readClockOffsetMs(offsetFile);
      if (clock.offsetMs !== 0) process.stdout.write(`${config.name}: clock offset ${clock.offsetMs} ms\n`);
    } catch (err) {
      process.stderr.write(`${config.name}: ${errorMessage(err)}; clock offset unchanged\n`);
    }
  };
  readOffset();
  process.on('SIGUSR2', readOffset);
  const gateway = await startGateway(config, undefined, Math.random, clock);
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

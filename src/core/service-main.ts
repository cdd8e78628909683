import { ChatlabError, ErrorCodes, errorMessage } from './errors.js';
import type { Clock } from './clock.js';
import type { Registry } from './metrics.js';
import { createRegistry } from './metrics.js';
import { installLastResort } from './last-resort.js';
import { createOpsServer, listen } from './ops-server.js';
import { loadServiceConfig, type ServiceConfig } from './service-config.js';

export interface RunningService {
  healthy(): boolean;
  stop(): Promise<void>;
}

/**
 * The process entry every worker-like service shares: load and check `--config`, serve
 * /healthz and /metrics, start, print one JSON ready line on stdout, stop on SIGTERM/SIGINT
 * (exit 0). A failed start exits 1; `fail(err)` from the service ends it with exit 1 too.
 */
export function runServiceProcess<S extends RunningService>(
  kind: ServiceConfig['kind'],
  start: (config: ServiceConfig, deps: { registry: Registry; fail: (err: Error) => void }) => Promise<S>,
  readyExtra: (service: S) => Record<string, unknown> = () => ({}),
): void {
  let config: ServiceConfig | undefined;
  const main = async () => {
    const cfg = loadServiceConfig();
    config = cfg;
    installLastResort(cfg.name);
    if (cfg.kind !== kind) throw new ChatlabError(ErrorCodes.CONFIG, `${kind} started with a config of kind "${cfg.kind}"`);
    const registry = createRegistry(cfg.name);
    let service: S | undefined;
    let exiting = false;
    let exitCode = 0;
    const server = createOpsServer({ registry, healthy: () => service?.healthy() ?? false });
    const shutdown = async (code: number): Promise<void> => {
      if (exiting) return;
      exiting = true;
      exitCode = code;
      // during start there is nothing to stop yet: main stops it once start returns
      if (!service) return;
      await service.stop();
      server.close();
      process.exit(code);
    };
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void shutdown(0));
    const port = await listen(server, cfg.port, cfg.host);
    const fail = (err: Error) => {
      process.stderr.write(`[${cfg.name}] fatal: ${errorMessage(err)}\n`);
      void shutdown(1);
    };
    try {
      service = await start(cfg, { registry, fail });
    } catch (err) {
      // a start cut short by a signal is a requested stop, not a failure
      if (exiting) process.exit(exitCode);
      throw err;
    }
    if (exiting) {
      await service.stop();
      process.exit(exitCode);
    }
    const ready = { ready: true, kind: cfg.kind, name: cfg.name, pid: process.pid, url: `http://${cfg.host}:${port}`, ...readyExtra(service) };
    process.stdout.write(`${JSON.stringify(ready)}\n`);
  };
  main().catch((err: unknown) => {
    process.stderr.write(`${config?.name ?? kind} failed: ${errorMessage(err)}\n`);
    process.exit(1);
  });
}

/** What a service started in-process takes from its caller (its main, or a test). */
export interface ServiceDeps {
  /** Metrics go here (main passes the registry its /metrics serves). */
  registry: Registry;
  clock?: Clock;
  /** Diagnostics, one line each; default stderr. */
  log?: (line: string) => void;
}

/** A service's diagnostics: the given sink, or one line each on stderr under the service's name. */
export function serviceLog(name: string, log?: (line: string) => void): (line: string) => void {
  return log ?? ((line: string) => void process.stderr.write(`[${name}] ${line}\n`));
}

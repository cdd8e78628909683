/**
 * Process entry of the receipts worker: `node dist/src/workers/receipts/main.js --config FILE`.
 * SIGTERM/SIGINT flush once more and stop (exit 0).
 */
import { runServiceProcess } from '../../core/index.js';
import { startReceiptsWorker } from './worker.js';

runServiceProcess('receipts-worker', (config, { registry }) => startReceiptsWorker(config, { registry }));

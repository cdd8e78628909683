/**
 * Process entry of the persist worker: `node dist/src/workers/persist/main.js --config FILE`.
 * A consumer that crashed for good ends the process with exit 1.
 */
import { runServiceProcess } from '../../core/index.js';
import { startPersistWorker } from './worker.js';

runServiceProcess(
  'persist-worker',
  (config, { registry, fail }) => startPersistWorker(config, { registry, onFatal: fail }),
  (worker) => ({ groupId: worker.groupId }),
);

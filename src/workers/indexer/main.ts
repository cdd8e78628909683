/**
 * Process entry of the search indexer: `node dist/src/workers/indexer/main.js --config FILE`.
 * A consumer that crashed for good ends the process with exit 1.
 */
import { runServiceProcess } from '../../core/index.js';
import { startIndexer } from './worker.js';

runServiceProcess(
  'indexer',
  (config, { registry, fail }) => startIndexer(config, { registry, onFatal: fail }),
  (worker) => ({ groupId: worker.groupId }),
);

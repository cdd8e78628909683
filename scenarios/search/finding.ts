import { barsPerVariant, stated, variantWith, type FindingHook, type RunResult } from '../../src/scenario/index.js';

export const CHOOSE =
  'Choose cloud search when one index must serve every device and a new phone must search at once; choose local search when messages are end-to-end encrypted (the server cannot index ciphertext) or search must work offline.';

/** search: what each kind costs, from the run, then which to choose when. */
export const searchFinding: FindingHook = {
  measures: (run: RunResult) => ['searchLost', 'leaks', 'queryP50Ms', ...(variantWith(run, 'where', 'cloud') ? ['indexLagP99Ms', 'indexBytesPer10k'] : []), ...(variantWith(run, 'where', 'local') ? ['storeBytesPer10k', 'rebuildMs'] : [])],
  state(run: RunResult) {
    const local = variantWith(run, 'where', 'local');
    const cloud = variantWith(run, 'where', 'cloud');
    const parts: string[] = [];
    if (local) parts.push(`Local: query p50 ${stated(local, 'queryP50Ms', 'ms')}, ${stated(local, 'storeBytesPer10k', 'B')} per 10k messages on every phone that holds them, a new phone rebuilt ${stated(local, 'rebuildMessages')} messages in ${stated(local, 'rebuildMs', 'ms')}`);
    if (cloud) parts.push(`Cloud: query p50 ${stated(cloud, 'queryP50Ms', 'ms')}, send → searchable p99 ${stated(cloud, 'indexLagP99Ms', 'ms')}, ${stated(cloud, 'indexBytesPer10k', 'B')} per 10k messages once`);
    return `${parts.join('; ')}. ${CHOOSE}`;
  },
  chart: (run) => barsPerVariant(run, 'queryP50Ms', 'search query p50, local vs cloud', 'query p50 (ms)'),
};

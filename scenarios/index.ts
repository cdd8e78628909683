import type { ScenarioDefinition } from '../src/scenario/index.js';
import { scenario as abuse } from './abuse.js';
import { scenario as brokerLoss } from './broker-loss.js';
import { scenario as capacity } from './capacity.js';
import { scenario as hotPath } from './hot-path.js';
import { scenario as largeGroupFanout } from './large-group-fanout.js';
import { scenario as membershipChurn } from './membership-churn.js';
import { scenario as presenceStorm } from './presence-storm.js';
import { scenario as readReceipts } from './read-receipts.js';
import { scenario as reconnectRace } from './reconnect-race.js';
import { scenario as search } from './search.js';
import { scenario as storageConsistency } from './storage-consistency/scenario.js';
import { scenario as thunderingHerd } from './thundering-herd.js';
import { scenario as topicExplosion } from './topic-explosion.js';
import { scenario as transport } from './transport.js';

export { faults } from './faults.js';

/** Every scenario `chatlab run` knows, by name. */
export const scenarios: Record<string, ScenarioDefinition<any>> = {
  [thunderingHerd.name]: thunderingHerd,
  [largeGroupFanout.name]: largeGroupFanout,
  [reconnectRace.name]: reconnectRace,
  [presenceStorm.name]: presenceStorm,
  [readReceipts.name]: readReceipts,
  [hotPath.name]: hotPath,
  [abuse.name]: abuse,
  [topicExplosion.name]: topicExplosion,
  [capacity.name]: capacity,
  [search.name]: search,
  [transport.name]: transport,
  [membershipChurn.name]: membershipChurn,
  [storageConsistency.name]: storageConsistency,
  [brokerLoss.name]: brokerLoss,
};

/** The steps of `chatlab calibrate` and the probes `chatlab size --validate` reads (not a listed scenario). */
export { calibrateScenario } from './calibrate/scenario.js';
export { counters, idleRates } from './calibrate/steps.js';
export { cpuOver, processesOf, sumOf } from './calibrate/probe.js';

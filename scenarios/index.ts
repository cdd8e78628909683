import type { ScenarioDefinition } from '../src/scenario/index.js';
import { scenario as reconnectRace } from './reconnect-race.js';

/** Every scenario `chatlab run` knows, by name. */
export const scenarios: Record<string, ScenarioDefinition<any>> = {
  [reconnectRace.name]: reconnectRace,
};

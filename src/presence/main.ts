/** Process entry of the presence server: `node dist/src/presence/main.js --config FILE`. */
import { runServiceProcess } from '../core/index.js';
import { startPresenceServer } from './server.js';

runServiceProcess('presence', (config, { registry }) => startPresenceServer(config, { registry }));

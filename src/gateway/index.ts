// Token signing and verification live in core (the CLI, scenarios and bench mint tokens too).
export { STORAGE_READS_MAX, STORAGE_READS_WAITING, startGateway, type RunningGateway } from './gateway.js';
export { gatewayOptionsSchema, type GatewayOptions } from './options.js';
export { Minter } from './minting.js';

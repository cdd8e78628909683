// Token signing and verification live in core (the CLI, scenarios and bench mint tokens too).
export { startGateway, type RunningGateway } from './gateway.js';
export { gatewayOptionsSchema, type GatewayOptions } from './options.js';
export { Minter } from './minting.js';

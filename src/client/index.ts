export * from './backoff.js';
export * from './reconnect.js';
export * from './merge.js';
export * from './sim-client.js';
export * from './link.js';
export * from './wire-meter.js';
export * from './local-store.js';
export * from './new-phone.js';
export { indexText, matchExpression } from './search-terms.js';

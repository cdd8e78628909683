export * from './backoff.js';
export * from './reconnect.js';
export * from './merge.js';
export * from './sim-client.js';

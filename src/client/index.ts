export * from './backoff.js';
export * from './reconnect.js';
export * from './merge.js';
